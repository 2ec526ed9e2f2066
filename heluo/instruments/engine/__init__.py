"""Pure computation for shared instruments (no Django): the rules and the evaluation scheme read from data/, the
booking checks (slot, open hours, cancellation) and the owners' annual sharing evaluation."""
