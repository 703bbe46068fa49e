-- PostgreSQL's keys became tenant-led (for distributing by tenant); SQLite serves one process
-- and keeps its keys. This keeps both backends' migration numbers in step.
SELECT 1;
