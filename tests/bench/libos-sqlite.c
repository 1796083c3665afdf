/* libos-sqlite: the SQLite workload of make bench (docs/benchmarks.md),
 * a static glibc program linked with Debian's libsqlite3.a: N inserts
 * (one transaction) and N point selects by primary key on an in-memory
 * database, run natively and in an MIEE. Prints its own time for each
 * phase (CLOCK_MONOTONIC) and a checksum of what the selects returned,
 * which must be the same in both runs. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "libos-sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
	exit(1);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	sqlite3 *db;
	sqlite3_stmt *ins, *sel;
	unsigned long sum = 0;
	double t0, t1, t2;

	if (n <= 0)
		n = 20000;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		die(db, "open");
	if (sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, s TEXT)",
			 NULL, NULL, NULL) != SQLITE_OK)
		die(db, "create");
	if (sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, ?)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT v, s FROM t WHERE id = ?", -1, &sel, NULL) != SQLITE_OK)
		die(db, "prepare");
	t0 = now();
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "begin");
	for (long i = 0; i < n; i++) {
		char s[32];

		snprintf(s, sizeof(s), "row-%ld", i * 7919 % n);
		sqlite3_bind_int64(ins, 1, i);
		sqlite3_bind_int64(ins, 2, i * 31 % 1000003);
		sqlite3_bind_text(ins, 3, s, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(ins);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "commit");
	t1 = now();
	for (long i = 0; i < n; i++) {
		sqlite3_bind_int64(sel, 1, i * 7 % n);
		if (sqlite3_step(sel) != SQLITE_ROW)
			die(db, "select");
		sum += (unsigned long)sqlite3_column_int64(sel, 0) +
		       (unsigned long)sqlite3_column_bytes(sel, 1);
		sqlite3_reset(sel);
	}
	t2 = now();
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	sqlite3_close(db);
	printf("sqlite: %ld inserts %.1f ms, %ld selects %.1f ms, checksum %lu\n", n,
	       (t1 - t0) * 1e3, n, (t2 - t1) * 1e3, sum);
	return 0;
}
