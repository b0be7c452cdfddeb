"""Learning what the user cares about: features, the model, explanations, screening metrics."""
