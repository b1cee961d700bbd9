"""The one way through: `runner.lint_paths` discovers the files (`discovery`), reads each through
its kind (`kinds.load_file`), adds its git base (`git_base`), asks the cache (`cache`), and runs a
`jobs.FileJob` per remaining file in this process or in workers (`workers`). A job lints with
`linting.lint_text` (suppressions `noqa`, pre-check `precheck`, then the engine `engine`), and fixes
through `fixes/` when asked."""
