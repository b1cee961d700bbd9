"""`lossscale-lint lsp`: a language server over stdio (needs the optional `lsp` extra, pygls 2)."""

from __future__ import annotations

import logging
import sys

INSTALL_HINT = "the lsp command needs pygls 2, which is not installed: pip install 'lossscale-lint[lsp]'"


def main() -> int:
    """Serve LSP on stdin/stdout until the client says exit; 2 when pygls 2 is not installed."""
    try:
        from lossscale_lint.integrations.lsp.server import server
    except ImportError as missing:
        # Also the case for pygls 1.x, whose modules have other names.
        if (missing.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        print(f"lossscale-lint: error: {INSTALL_HINT}", file=sys.stderr)
        return 2

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="lossscale-lint lsp: %(levelname)s %(message)s")
    # stdout is the protocol channel: keep the real one for pygls and send any stray print (from a
    # library, a warning hook) to stderr, where it cannot corrupt a message.
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0
