/* A program built against the first libguestcore header (frozen in
 * tests/abi/v1.0/guestcore/guestcore.h), run against this library: its
 * guestcore_dump_opts ends at `cancel` and its guestcore_dump_result at
 * `notes`.  Everything appended since must read as its default for it, and
 * nothing may be written past the structs it sized.
 *   caller10 PLUGIN_DIR SCHEMA_DIR SOURCE OUTPUT [NOTESET]
 * Prints the result's fields and "tail intact" (or "tail overwritten"),
 * exits with guestcore_dump()'s status (1 on failure, after its message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <guestcore/guestcore.h> /* -I tests/abi/v1.0 */

int main(int argc, char **argv)
{
	struct guestcore_host_opts ho = { .sz = sizeof(ho) };
	struct guestcore_host *host = NULL;
	struct guestcore_layouts *layouts = NULL;
	char xsd[4096], msg[1024];
	const char *sets[] = { argc > 5 ? argv[5] : "vbox", NULL };
	struct guestcore_dump_opts o;
	/* The result struct this program knows, with bytes behind it that the
	 * library must not touch. */
	struct {
		struct guestcore_dump_result res;
		unsigned char tail[64];
	} r;
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: caller10 PLUGIN_DIR SCHEMA_DIR SOURCE OUTPUT [NOTESET]\n");
		return 2;
	}
	snprintf(xsd, sizeof(xsd), "%s/note-layout.xsd", argv[2]);
	if (guestcore_host_new(&ho, &host) < 0 || guestcore_host_add_dir(host, argv[1]) < 0 ||
	    guestcore_host_scan(host) < 0 || guestcore_layouts_new(xsd, &layouts) < 0 ||
	    guestcore_layouts_load_dir(layouts, argv[2], NULL, NULL) < 0) {
		fprintf(stderr, "caller10: cannot set up the host or the layouts\n");
		return 1;
	}
	/* As a caller of that time wrote it: every member set by hand, the
	 * struct's padding whatever the stack held. */
	memset(&o, 0xa5, sizeof(o));
	o.sz = sizeof(o);
	o.source = argv[3];
	o.note_sets = sets;
	o.output = argv[4];
	o.force = false;
	o.strict = false;
	o.elf_class = 0;
	o.copy_mode = 0;
	o.progress = NULL;
	o.progress_userdata = NULL;
	o.cancel = NULL;
	memset(&r, 0xa5, sizeof(r));
	r.res.sz = sizeof(r.res);
	rc = guestcore_dump(host, layouts, &o, &r.res, msg, sizeof(msg));
	printf("opts %zu bytes, result %zu bytes\n", sizeof(o), sizeof(r.res));
	if (rc < 0) {
		fprintf(stderr, "caller10: %s\n", msg);
		rc = 1;
	} else {
		printf("rc %d sz %zu ranges %llu notes %llu\n", rc, r.res.sz, (unsigned long long)r.res.ranges,
		       (unsigned long long)r.res.notes);
	}
	for (size_t i = 0; i < sizeof(r.tail); i++)
		if (r.tail[i] != 0xa5) {
			printf("tail overwritten at +%zu\n", i);
			rc = rc ? rc : 1;
			goto out;
		}
	printf("tail intact\n");
out:
	guestcore_layouts_free(layouts);
	guestcore_host_free(host);
	return rc;
}
