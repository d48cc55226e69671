/*
 * host.c: which host each log came from (model.h).  A header names its
 * host by boot id and network namespace inode: two logs with the same pair
 * come from one host (one machine, one network namespace), whichever
 * folder they were in; the host name is only a label (containers may share
 * one).  Headers without the pair (logs of older versions) share one host
 * with no name.  A record in a file without a header belongs to the host
 * of the file's first header, or to that nameless host.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

/* The host of a header: a key of its boot id and netns. */
static uint32_t host_of(struct st_model *m, struct st_strtab *keys,
			struct st_idmap *byid, const struct st_header *h)
{
	uint32_t key[3] = { h->boot_id, (uint32_t)h->netns, (uint32_t)(h->netns >> 32) };
	uint32_t id, x;
	struct st_host *nh;

	if (!h->boot_id)
		key[1] = key[2] = 0;
	if (!(id = st_strtab_intern(keys, key, sizeof(key))))
		return ST_NONE;
	if (st_idmap_get(byid, id, &x))
		return x;
	nh = realloc(m->hosts, (m->nhosts + 1) * sizeof(*nh));
	if (!nh)
		return ST_NONE;
	m->hosts = nh;
	nh = &m->hosts[m->nhosts];
	memset(nh, 0, sizeof(*nh));
	if (h->boot_id) {
		nh->name = h->host;
		nh->boot_id = h->boot_id;
		nh->cgroup = h->cgroup;
		nh->netns = h->netns;
	}
	nh->clock = ST_CLOCK_UNKNOWN;
	if (st_idmap_put(byid, id, m->nhosts) < 0)
		return ST_NONE;
	return m->nhosts++;
}

int st_model_find_hosts(struct st_model *m)
{
	const struct st_trace *tr = m->tr;
	struct st_strtab keys;
	struct st_idmap byid = { 0 };
	static const struct st_header none = { .fork_of = -1 };
	uint32_t i, nameless;
	int r = -1;

	st_strtab_init(&keys);
	m->hdr_host = malloc((tr->nhdr + 1) * sizeof(*m->hdr_host));
	m->file_host = malloc((tr->nfiles + 1) * sizeof(*m->file_host));
	if (!m->hdr_host || !m->file_host)
		goto out;
	for (i = 0; i < tr->nfiles; i++)
		m->file_host[i] = ST_NONE;
	for (i = 0; i < tr->nhdr; i++) {
		if ((m->hdr_host[i] = host_of(m, &keys, &byid, &tr->hdr[i])) == ST_NONE)
			goto out;
		if (tr->hdr[i].file < tr->nfiles && m->file_host[tr->hdr[i].file] == ST_NONE)
			m->file_host[tr->hdr[i].file] = m->hdr_host[i];
	}
	for (i = 0; i < tr->nfiles; i++) {
		if (m->file_host[i] != ST_NONE)
			continue;
		if ((nameless = host_of(m, &keys, &byid, &none)) == ST_NONE)
			goto out;
		m->file_host[i] = nameless;
	}
	if (m->nhosts == 0 && host_of(m, &keys, &byid, &none) == ST_NONE)
		goto out;
	m->hosts[0].clock = ST_CLOCK_REF;
	r = 0;
out:
	st_idmap_free(&byid);
	st_strtab_free(&keys);
	return r;
}
