"""Facts about training code, extracted once per file from the LibCST tree."""
