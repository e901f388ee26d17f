"""What users see: results read back from disk, charts and reports (never runs the model)."""
