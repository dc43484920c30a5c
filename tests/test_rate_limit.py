from tutor.generation.rate_limit import AskLimits, RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_limit_per_key_with_a_sliding_window():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("a") == 60
    assert limiter.hit("b") == 0  # another student is not slowed down
    clock.now += 30
    assert limiter.hit("a") == 30
    clock.now += 30.5
    assert limiter.hit("a") == 0


def test_tracked_keys_are_bounded():
    limiter = RateLimiter(1, 60, max_keys=100)
    for i in range(1000):
        limiter.hit(f"k{i}")
    assert len(limiter._events) <= 100


def test_ask_limits_per_student_and_per_address():
    limits = AskLimits(per_student=2, per_address=3)
    assert limits.refusal("s1", "10.0.0.1") is None
    assert limits.refusal("s1", "10.0.0.1") is None
    assert "wait" in limits.refusal("s1", "10.0.0.1")
    assert limits.refusal("s2", "10.0.0.1") is None
    assert "wait" in limits.refusal("s3", "10.0.0.1")  # the address is over its limit
    assert limits.refusal("s4", None) is None
