from pos_member.cli import main

raise SystemExit(main())
