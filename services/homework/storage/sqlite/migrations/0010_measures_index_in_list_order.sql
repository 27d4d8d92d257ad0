-- ListCompletions with measures_only (a review summary's measure history) orders by
-- (occur_time, name), like every list of completions. The partial index of 0008 stopped at
-- occur_time, so SQLite chose completions_by_client, which gives that order without a sort, and
-- walked every completion of the client before the period (a year of daily practice, each row
-- read from the table) to keep its few measures. Ending the partial index with `name` gives it
-- the list's order as well, and the measure list walks the measures only (issue 16).
DROP INDEX completions_measures_by_client;
CREATE INDEX completions_measures_by_client ON completions (client_name, occur_time, name)
  WHERE is_measure IS NOT 0;
