from lossscale_lint.integrations.lsp import main

raise SystemExit(main())
