"""Understanding the question, composing cited answers, verification."""
