"""The self-test's command-line options, shared by ``run --self-test`` and the ``self-test``
command. Apart from :mod:`pos_member.selftest` so that building ``run``'s parser (every
``python main.py``) does not import the self-test and the standard library it needs."""

from __future__ import annotations


def add_options(parser) -> None:
    """The self-test options, shared by ``run --self-test`` and the ``self-test`` command."""
    parser.add_argument("--data-dir", metavar="DIR",
                        help="self-test: the data folder to check (default: this "
                             "installation's, $POS_MEMBER_HOME or the user's data folder)")
    parser.add_argument("--scratch", action="store_true",
                        help="self-test: check in a temporary data folder instead (removed "
                             "afterwards; the installer's build runs it so)")
    parser.add_argument("--require-ui", action="store_true",
                        help="self-test: fail (not skip) when the main window cannot be opened")
    parser.add_argument("--keep", action="store_true",
                        help="self-test: keep the temporary data folder")
    parser.add_argument("--json", action="store_true",
                        help="self-test: print the report as JSON")
