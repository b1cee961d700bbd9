from lossscale_lint.cli.main import main

raise SystemExit(main())
