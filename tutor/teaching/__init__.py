"""Teaching: the tutoring modes and their screens, practice and mastery, safety and the
teacher's flags and review, and the conversation a student sees."""
