"""papersift's terminal UI (Textual). Start it with `papersift.tui.app.run(path)`."""
