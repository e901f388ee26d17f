"""The simulation core: residents, structure, institutions, mechanisms, the model."""
