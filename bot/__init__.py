"""维权向导 core: plain-Python logic used by the Rasa actions and NLU components."""
