"""The TUI's screens: the main screen, help, and the modal/secondary screens."""
