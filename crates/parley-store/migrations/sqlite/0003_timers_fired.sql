-- Old fired timers are pruned in small batches; this finds them without a table scan.
CREATE INDEX timers_fired ON timers (fired_at) WHERE fired_at IS NOT NULL;
