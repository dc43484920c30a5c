"""The serving benches' questions (bench_serving.py and bench_gpu.py measure the same prompts)."""

QUESTIONS = [
    "Solve 3x + 5 = 11 step by step.",
    "What is the derivative of x^3 + 2x?",
    "Factor x^2 - 5x + 6.",
    "A train travels 120 km in 1.5 hours. What is its average speed?",
    "Simplify (2x^2 * 3x) / x.",
    "What is 15% of 80?",
    "Solve the system x + y = 10, x - y = 2.",
    "Find the area of a circle with radius 3.",
]
