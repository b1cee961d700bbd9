from lossscale_lint.cli import main

raise SystemExit(main())
