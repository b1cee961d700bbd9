from lossscale_lint.lsp import main

raise SystemExit(main())
