/* The runner every CUnit suite shares: verbose output with CUnit's "Run
 * Summary", and an exit status taken from the failure records (CUnit's own
 * return code says nothing about failed assertions). */
#ifndef GUESTCORE_CUNIT_MAIN_H
#define GUESTCORE_CUNIT_MAIN_H

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

static inline int gc_cunit_run(void)
{
	unsigned failures;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit error: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	failures = CU_get_number_of_failure_records();
	if (CU_get_number_of_tests_run() == 0) {
		fprintf(stderr, "no test ran\n");
		failures = 1;
	}
	CU_cleanup_registry();
	return failures ? 1 : 0;
}

/* Register TESTS (a CU_TestInfo array ending in CU_TEST_INFO_NULL) as one
 * suite. */
#define GC_CUNIT_SUITE(name, init, clean, tests)                                   \
	do {                                                                        \
		CU_pSuite s_ = CU_add_suite(name, init, clean);                     \
		if (!s_) {                                                          \
			fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());         \
			exit(1);                                                    \
		}                                                                   \
		for (const CU_TestInfo *t_ = (tests); t_->pName; t_++)              \
			if (!CU_add_test(s_, t_->pName, t_->pTestFunc)) {           \
				fprintf(stderr, "CUnit: %s\n", CU_get_error_msg()); \
				exit(1);                                            \
			}                                                           \
	} while (0)

#endif
