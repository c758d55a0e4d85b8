"""The course's lessons, one module each (lessonNN.py), and what they share."""
