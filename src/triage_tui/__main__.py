from triage_tui.cli import main

raise SystemExit(main())
