"""Around the model: who may generate now (admission, rate limits), and reading what it wrote
(the reply parser, ``\\boxed{}``). The engines themselves are ``tutor.backends``.

Kept free of heavy imports: the checker's worker processes import ``boxed`` from here."""
