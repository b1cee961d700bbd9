"""`python -m lossscale_lint`: the console script's entry point.

`python -m` puts the working folder first on `sys.path`, so in a project with a `json.py` or a
`tomllib.py` of its own the imports below would run the project's code. The tool never runs the
code it reads: that folder is taken off the path first (this package is already imported).
"""

import os
import sys

if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.path.abspath(os.curdir):
    del sys.path[0]

from lossscale_lint.cli.main import main  # noqa: E402 - after the path is made safe

raise SystemExit(main())
