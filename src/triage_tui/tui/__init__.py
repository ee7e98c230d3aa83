"""Everything that imports Textual. Widgets render view-models and post messages."""
