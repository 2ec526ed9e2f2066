"""Pure rules of the registry (no Django): the consistency of enterprises' annual figures and who may set a status."""
