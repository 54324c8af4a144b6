from .conftest import login, idle, shot

def test_probe(qtbot, window, till):
    login(qtbot, window)
    for name in ("shifts", "refund", "settings", "reconcile"):
        window.show_screen(name)
        idle(qtbot, window)
        qtbot.wait(100)
        shot(window, f"probe_{name}")
