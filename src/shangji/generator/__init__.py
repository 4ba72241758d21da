"""`shangji generate`: a realistic company of 10k, 100k or 1m opportunities for benchmarks,
bulk-written into an empty database (see build.py for what it writes and what it leaves out)."""
