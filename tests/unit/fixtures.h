/* What the dump and validate suites share: a plugin host with the build
 * tree's plugins and the test source (not the hostile test plugins beside
 * it), the bundled layouts, a scratch directory removed afterwards. */
#ifndef GUESTCORE_TEST_FIXTURES_H
#define GUESTCORE_TEST_FIXTURES_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <guestcore/guestcore.h>

static inline int gc_fixture_open(char *dir, struct guestcore_host **ret_host, struct guestcore_layouts **ret_layouts)
{
	if (!mkdtemp(dir))
		return -1;
	if (guestcore_host_new(NULL, ret_host) < 0 ||
	    guestcore_host_add_dir(*ret_host, TEST_BUILDDIR "/plugins/.libs") < 0)
		return -1;
	guestcore_host_scan(*ret_host);
	guestcore_host_load_file(*ret_host, TEST_PLUGIN_DIR "/tp_source.so", NULL);
	if (!guestcore_host_find(*ret_host, "raw") || !guestcore_host_find(*ret_host, "test"))
		return -1;
	if (guestcore_layouts_new(TEST_SRCDIR "/schemas/note-layout.xsd", ret_layouts) < 0 ||
	    guestcore_layouts_load_dir(*ret_layouts, TEST_SRCDIR "/schemas", NULL, NULL) != 0)
		return -1;
	return 0;
}

static inline int gc_fixture_close(const char *dir, struct guestcore_host *host, struct guestcore_layouts *layouts)
{
	char cmd[700];

	guestcore_layouts_free(layouts);
	guestcore_host_free(host);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Temporary files a dump left in DIR (none, after any failure). */
static inline int gc_fixture_leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".guestcore-"))
			n++;
	if (d)
		closedir(d);
	return n;
}

#endif
