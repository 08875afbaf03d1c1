from paperdigest.cli import main

raise SystemExit(main())
