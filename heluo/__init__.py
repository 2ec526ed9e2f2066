"""Heluo (河洛): the innovation-programme platform of a city science & technology bureau."""
