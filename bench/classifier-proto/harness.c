/* SPDX-License-Identifier: MIT */
/* harness.c — builds random rulesets, compiles them, loads proto.bpf.o, checks every packet
 * against the brute-force matcher, and measures ns/packet with BPF_PROG_TEST_RUN.
 *
 *   cls-bench [-n 10,100,1000,10000] [-s seed] [-r rounds] [-p packets] [-P passes]
 *             [-b rfc-budget-entries] [-o build/proto.bpf.o] [-m last,none,mix] [-a]
 *
 * -a: the adversarial ruleset (gen.c) and its target flow, instead of the realistic mix.
 * -S: no rule splitting (compile.c split_rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "compile.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

static uint32_t chunks(uint64_t n, uint32_t per)
{
	uint64_t c = (n + per - 1) / per;

	return c ? (uint32_t)c : 1;
}

struct loaded {
	struct bpf_object *obj;
	int prog[6];		/* base, bitmap, rfc, drop, probe_trie, probe_classes */
	int fd_pkts, fd_ctr, fd_res, fd_hits;
	uint64_t mem_common, mem_bitmap, mem_rfc;
	double ms_load, ms_fill;
};

static struct bpf_map *map(struct bpf_object *o, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(o, name);

	if (!m) {
		fprintf(stderr, "map %s missing\n", name);
		exit(2);
	}
	return m;
}

static uint64_t set_size(struct bpf_object *o, const char *name, uint32_t n)
{
	struct bpf_map *m = map(o, name);
	int err = bpf_map__set_max_entries(m, n);

	if (err)
		die(name, err);
	return (uint64_t)n * ((bpf_map__value_size(m) + 7) & ~7u);
}

/* Writes n entries of `size` bytes from src into a chunked (or plain, per = 1) array map. */
static void fill(int fd, const void *src, uint64_t n, uint32_t size, uint32_t per)
{
	uint32_t nc = chunks(n, per);
	char *buf = calloc(per, size);

	for (uint32_t k = 0; k < nc; k++) {
		uint64_t first = (uint64_t)k * per, cnt = n - first < per ? n - first : per;

		memset(buf, 0, (size_t)per * size);
		memcpy(buf, (const char *)src + first * size, cnt * size);
		if (bpf_map_update_elem(fd, &k, buf, 0))
			die("map update", errno);
	}
	free(buf);
}

static int mfd(struct bpf_object *o, const char *name)
{
	return bpf_map__fd(map(o, name));
}

static void load(struct loaded *L, const char *path, const struct image *img, int npkts)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	double t0;
	int err;

	if (!o)
		die(path, errno);
	L->obj = o;
	L->mem_common = set_size(o, "cls_cfg", 1) + set_size(o, "cls_root", chunks(131072, CLS_C32)) +
			set_size(o, "cls_node", chunks((uint64_t)img->nnode * CLS_C32, CLS_C32)) +
			set_size(o, "cls_skip", img->nskip ? img->nskip : 1) +
			set_size(o, "cls_proj", img->nproj) + set_size(o, "cls_fld", chunks(CLS_FLD_ENTRIES, CLS_C32)) +
			set_size(o, "cls_rfc", chunks(img->nrfc, CLS_C32)) + set_size(o, "cls_rinfo", img->ni);
	L->mem_bitmap = set_size(o, "cls_rows", img->nrows ? img->nrows : 1);
	L->mem_rfc = set_size(o, "cls_fres", img->rfc_ok ? img->nfres : 1) +
		     set_size(o, "cls_flist", chunks(img->rfc_ok ? img->nflist : 1, CLS_C32));
	L->mem_bitmap += set_size(o, "cls_dlist", img->ndlist ? img->ndlist : 1) +
			 set_size(o, "cls_drule", chunks(img->ndrule, CLS_C32));
	set_size(o, "cls_hits", img->ni > img->nfres ? img->ni : img->nfres);
	set_size(o, "cls_pkts", npkts);
	t0 = now_ms();
	err = bpf_object__load(o);
	if (err)
		die("bpf_object__load", err);
	L->ms_load = now_ms() - t0;
	L->prog[0] = bpf_program__fd(bpf_object__find_program_by_name(o, "xdp_base"));
	L->prog[1] = bpf_program__fd(bpf_object__find_program_by_name(o, "xdp_bitmap"));
	L->prog[2] = bpf_program__fd(bpf_object__find_program_by_name(o, "xdp_rfc"));
	L->prog[3] = bpf_program__fd(bpf_object__find_program_by_name(o, "xdp_drop"));
	L->prog[4] = bpf_program__fd(bpf_object__find_program_by_name(o, "xdp_probe_trie"));
	L->prog[5] = bpf_program__fd(bpf_object__find_program_by_name(o, "xdp_probe_classes"));

	t0 = now_ms();
	uint32_t zero = 0;
	if (bpf_map_update_elem(mfd(o, "cls_cfg"), &zero, &img->cfg, 0))
		die("cfg", errno);
	fill(mfd(o, "cls_root"), img->root, 131072, 4, CLS_C32);
	fill(mfd(o, "cls_node"), img->node, (uint64_t)img->nnode * CLS_C32, 4, CLS_C32);
	if (img->nskip)
		fill(mfd(o, "cls_skip"), img->skip, img->nskip, sizeof(struct cls_skip), 1);
	fill(mfd(o, "cls_proj"), img->proj, img->nproj, sizeof(struct cls_proj), 1);
	fill(mfd(o, "cls_fld"), img->fld, CLS_FLD_ENTRIES, 4, CLS_C32);
	fill(mfd(o, "cls_rfc"), img->rfc, img->nrfc, 4, CLS_C32);
	fill(mfd(o, "cls_rinfo"), img->rinfo, img->ni, sizeof(struct cls_rinfo), 1);
	{
		struct cls_row *row = calloc(1, sizeof(*row));
		int fd = mfd(o, "cls_rows");

		for (uint32_t k = 0; k < img->nrows; k++) {
			memset(row, 0, sizeof(*row));
			memcpy(row->sum, img->sum + (uint64_t)k * img->cfg.nsum, img->cfg.nsum * 8);
			memcpy(row->bm, img->bm + (uint64_t)k * img->cfg.nwords, img->cfg.nwords * 8);
			if (bpf_map_update_elem(fd, &k, row, 0))
				die("rows", errno);
		}
		free(row);
	}
	if (img->ndlist) {
		fill(mfd(o, "cls_dlist"), img->dlist, img->ndlist, sizeof(struct cls_dlist), 1);
		fill(mfd(o, "cls_drule"), img->drule, img->ndrule, 4, CLS_C32);
	}
	if (img->rfc_ok) {
		fill(mfd(o, "cls_fres"), img->fres, img->nfres, sizeof(struct cls_fres), 1);
		fill(mfd(o, "cls_flist"), img->flist, img->nflist, 4, CLS_C32);
	}
	L->ms_fill = now_ms() - t0;
	L->fd_pkts = mfd(o, "cls_pkts");
	L->fd_ctr = mfd(o, "cls_ctr");
	L->fd_res = mfd(o, "cls_res");
	L->fd_hits = mfd(o, "cls_hits");
}

static uint8_t frame[64];

static uint32_t run(int prog, uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame), .repeat = repeat);
	int err = bpf_prog_test_run_opts(prog, &o);

	if (err)
		die("test_run", err);
	return o.duration;
}

static uint32_t g_npkts = 4096;

static void set_ctr(struct loaded *L, uint32_t v)
{
	uint32_t zero = 0, ctr[2] = { v, g_npkts - 1 };

	if (bpf_map_update_elem(L->fd_ctr, &zero, ctr, 0))
		die("ctr", errno);
}

static int ncpu;

static void hits_reset(struct loaded *L, uint32_t n)
{
	uint64_t *z = calloc(ncpu, 8);

	for (uint32_t k = 0; k < n; k++)
		bpf_map_update_elem(L->fd_hits, &k, z, 0);
	free(z);
}

static uint64_t hits_get(struct loaded *L, uint32_t k)
{
	uint64_t *v = calloc(ncpu, 8), s = 0;

	if (bpf_map_lookup_elem(L->fd_hits, &k, v))
		die("hits", errno);
	for (int c = 0; c < ncpu; c++)
		s += v[c];
	free(v);
	return s;
}

/* Checks one result against the reference; returns 0 or prints why and returns 1. */
static int check(const struct ruleset *rs, const struct image *img, const struct cls_result *res,
		 const struct ref_result *ref, int i, const char *design)
{
	char why[200] = "";

	if (res->band != ref->band) {
		snprintf(why, sizeof(why), "band %u, expected %u", res->band, ref->band);
	} else if (ref->band != CLS_BAND_NONE && rs->r[img->irule[res->winner]].sid != rs->r[ref->winner].sid) {
		snprintf(why, sizeof(why), "winner sid %u, expected %u", rs->r[img->irule[res->winner]].sid,
			 rs->r[ref->winner].sid);
	} else if (res->count != ref->count) {
		snprintf(why, sizeof(why), "count %u, expected %u", res->count, ref->count);
	} else if (res->nlist != (ref->count < CLS_MAX_LIST ? ref->count : CLS_MAX_LIST)) {
		snprintf(why, sizeof(why), "nlist %u for count %u", res->nlist, ref->count);
	} else {
		for (uint32_t a = 0; a < res->nlist && !why[0]; a++) {
			uint32_t r = img->irule[res->list[a] % img->ni];
			int found = 0;

			for (uint32_t b = 0; b < a; b++)
				if (img->irule[res->list[b] % img->ni] == r)
					snprintf(why, sizeof(why), "sid %u listed twice", rs->r[r].sid);
			for (uint32_t b = 0; b < ref->count; b++)
				found |= ref->match[b] == r;
			if (!found)
				snprintf(why, sizeof(why), "sid %u listed but does not match", rs->r[r].sid);
		}
	}
	if (!why[0])
		return 0;
	fprintf(stderr, "MISMATCH %s packet %d: %s; winner %u; classes %u %u %u %u; list", design, i, why, res->winner, res->cls[0], res->cls[1],
		res->cls[2], res->cls[3]);
	for (uint32_t a = 0; a < res->nlist; a++)
		fprintf(stderr, " %u(sid %u)", res->list[a], rs->r[img->irule[res->list[a] % img->ni]].sid);
	fprintf(stderr, "; expected");
	for (uint32_t a = 0; a < ref->count; a++)
		fprintf(stderr, " %u", rs->r[ref->match[a]].sid);
	if (res->nlist && !strcmp(design, "bitmap")) {
		uint32_t r = res->list[0];
		fprintf(stderr, "; rule %u bits", r);
		for (int f = 0; f < FIN_N; f++) {
			uint64_t row = img->cfg.fbase[f] + res->cls[f];
			fprintf(stderr, " %d", (int)((img->bm[row * img->cfg.nwords + r / 64] >> (r % 64)) & 1));
		}
	}
	fprintf(stderr, "\n");
	return 1;
}

/* Why did blocks pass the summary AND? Per candidate block: its rules' signatures, and per
 * field how many of its rules accept the packet's class. */
static void debug_blocks(const struct image *img, const struct cls_result *res)
{
	const struct cls_cfg *c = &img->cfg;

	for (uint32_t j = 0; j < c->nwords; j++) {
		uint64_t all = ~0ULL;
		int sum = 1;

		for (int f = 0; f < FIN_N; f++) {
			uint64_t row = c->fbase[f] + res->cls[f];
			all &= img->bm[row * c->nwords + j];
			sum &= (img->sum[row * c->nsum + j / 64] >> (j % 64)) & 1;
		}
		if (!sum)
			continue;
		fprintf(stderr, "  block %u (match %d): sigs", j, __builtin_popcountll(all));
		for (int r = j * 64; r < (int)(j * 64 + 64) && r < (int)img->ni; r += 16)
			fprintf(stderr, " %x", img->isig[r]);
		fprintf(stderr, " | accept");
		for (int f = 0; f < FIN_N; f++) {
			uint64_t row = c->fbase[f] + res->cls[f];
			fprintf(stderr, " %d", __builtin_popcountll(img->bm[row * c->nwords + j]));
		}
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "--\n");
}

static int cmp_u32(const void *a, const void *b)
{
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : *(const uint32_t *)a > *(const uint32_t *)b;
}

static const char *mode_name[] = { "last", "none", "mix", "adv" };

struct modestat {
	double ns[6];		/* median ns/packet: base, bitmap, rfc, drop, trie, classes */
	double steps;		/* bitmap walk steps, mean */
	int maxsteps;
	double matches;		/* mean matched rules */
	int nslow;		/* packets that took the slow path */
	int bad;
};

/* img[0]/L[0]: the bitmap design (and the probes); img[1]/L[1]: the rfc design, when it fits. */
static void do_mode(const struct ruleset *rs, struct image *img, struct loaded *L, int ndes, enum pkt_mode mode,
		    int npkts, int rounds, int passes, uint64_t seed, struct modestat *st)
{
	struct cls_pkt *pk = calloc(npkts, sizeof(*pk));
	struct ref_result *ref = calloc(npkts, sizeof(*ref));
	uint64_t *want = calloc(rs->n, 8);

	memset(st, 0, sizeof(*st));
	if (mode == PK_ADV)
		gen_pkts_adversarial(pk, npkts, seed);
	else
		gen_pkts(rs, mode, pk, npkts, seed);
	for (int d = 0; d < ndes; d++)
		fill(L[d].fd_pkts, pk, npkts, sizeof(*pk), 1);
	for (int i = 0; i < npkts; i++) {
		ref[i].match = calloc(rs->n, 4);
		ref_classify(rs, &pk[i], &ref[i]);
		if (ref[i].band == CLS_PASS)
			want[ref[i].winner]++;
		else
			for (uint32_t k = 0; k < ref[i].count; k++)
				want[ref[i].match[k]]++;
		st->matches += ref[i].nmatch;
	}
	st->matches /= npkts;

	/* correctness: every packet, both designs, then the counters */
	for (int d = 0; d < ndes; d++) {
		const struct image *im = &img[d];
		struct loaded *l = &L[d];
		uint32_t nh = d == 0 ? im->ni : im->nfres;

		hits_reset(l, nh);
		for (int i = 0; i < npkts; i++) {
			struct cls_result res;
			uint32_t zero = 0;

			set_ctr(l, i);
			run(l->prog[1 + d], 1);
			if (bpf_map_lookup_elem(l->fd_res, &zero, &res))
				die("res", errno);
			st->bad += check(rs, im, &res, &ref[i], i, d ? "rfc" : "bitmap");
			if (d == 0 && getenv("CLS_DEBUG") && res.steps >= (uint32_t)atoi(getenv("CLS_DEBUG")))
				debug_blocks(im, &res);
			if (d == 0) {
				st->steps += res.steps;
				st->nslow += res.steps >= 1000;
				if ((int)res.steps > st->maxsteps)
					st->maxsteps = res.steps;
			}
		}
		uint64_t *got = calloc(rs->n, 8);
		for (uint32_t k = 0; k < nh; k++) {
			uint64_t h = hits_get(l, k);

			if (!h)
				continue;
			if (d == 0) {
				if (im->irule[k] == UINT32_MAX) {
					fprintf(stderr, "MISMATCH bitmap counter of empty slot %u\n", k);
					st->bad++;
					continue;
				}
				got[im->irule[k]] += h;
			} else if (im->fres[k].band == CLS_PASS) {
				got[im->irule[im->fres[k].winner]] += h;
			} else {
				for (uint32_t j = 0; j < im->fres[k].count; j++)
					got[im->irule[im->flist[im->fres[k].off + j]]] += h;
			}
		}
		for (int r = 0; r < rs->n; r++) {
			if (got[r] != want[r]) {
				fprintf(stderr, "MISMATCH %s counter sid %u: %llu, expected %llu\n", d ? "rfc" : "bitmap",
					rs->r[r].sid, (unsigned long long)got[r], (unsigned long long)want[r]);
				st->bad++;
				break;
			}
		}
		free(got);
	}
	st->steps /= npkts;

	/* speed: rounds x (base, bitmap, rfc, drop, trie, classes), medians */
	uint32_t dur[6][64];
	for (int k = 0; k < rounds; k++) {
		for (int p = 0; p < 6; p++) {
			struct loaded *l = p == 2 ? &L[1] : &L[0];

			if (p == 2 && ndes < 2)
				continue;
			set_ctr(l, 0);
			dur[p][k] = run(l->prog[p], (uint32_t)npkts * passes);
		}
	}
	for (int p = 0; p < 6; p++) {
		if (p == 2 && ndes < 2) {
			st->ns[p] = -1;
			continue;
		}
		qsort(dur[p], rounds, 4, cmp_u32);
		st->ns[p] = dur[p][rounds / 2];
	}
	for (int i = 0; i < npkts; i++)
		free(ref[i].match);
	free(ref);
	free(want);
	free(pk);
}

int main(int argc, char **argv)
{
	int sizes[16] = { 10, 100, 1000, 10000 }, nsizes = 4, rounds = 5, npkts = 4096, passes = 128;
	int modes[3] = { PK_LAST, PK_NONE, PK_MIX }, nmodes = 3, adversarial = 0;
	uint64_t seed = 1, budget = 1ULL << 25;
	const char *obj = "build/proto.bpf.o";
	int opt, bad = 0;

	while ((opt = getopt(argc, argv, "n:s:r:p:P:b:o:m:aS")) != -1) {
		char *s, *tok;

		switch (opt) {
		case 'n':
			nsizes = 0;
			for (s = optarg; (tok = strtok(s, ",")) && nsizes < 16; s = NULL)
				sizes[nsizes++] = atoi(tok);
			break;
		case 'm':
			nmodes = 0;
			for (s = optarg; (tok = strtok(s, ",")) && nmodes < 3; s = NULL)
				modes[nmodes++] = !strcmp(tok, "last") ? PK_LAST : !strcmp(tok, "none") ? PK_NONE : PK_MIX;
			break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); if (rounds > 64) rounds = 64; break;
		case 'p': npkts = atoi(optarg); break;
		case 'P': passes = atoi(optarg); break;
		case 'b': budget = strtoull(optarg, NULL, 0); break;
		case 'o': obj = optarg; break;
		case 'a': adversarial = 1; modes[0] = PK_ADV; nmodes = 1; break;
		case 'S': compile_split = 0; break;
		default:
			fprintf(stderr, "usage: %s [-n sizes] [-s seed] [-r rounds] [-p packets] [-P passes] [-b budget] [-o obj] [-m modes] [-a] [-S]\n", argv[0]);
			return 1;
		}
	}
	if (npkts & (npkts - 1)) {
		fprintf(stderr, "-p must be a power of two (the program cycles with a mask)\n");
		return 1;
	}
	g_npkts = npkts;
	ncpu = libbpf_num_possible_cpus();
	libbpf_set_print(NULL);

	printf("%-6s %-5s %6s %6s %6s %6s %6s %7s %7s | %7s %7s %5s %7s | %s\n", "rules", "pkts", "drop", "base", "trie",
	       "class", "bitmap", "rfc", "bm-net", "blocks", "maxblk", "slow", "matches", "ok");
	for (int si = 0; si < nsizes; si++) {
		struct ruleset rs;
		struct image img[2];
		struct loaded L[2] = { 0 };
		double t0, ms_compile[2];
		int ndes = 1;

		if (adversarial)
			gen_rules_adversarial(&rs, sizes[si], seed);
		else
			gen_rules(&rs, sizes[si], seed);
		t0 = now_ms();
		compile_ruleset(&rs, &img[0], 0, 1);
		ms_compile[0] = now_ms() - t0;
		load(&L[0], obj, &img[0], npkts);
		if (budget) {
			t0 = now_ms();
			compile_ruleset(&rs, &img[1], budget, 0);
			ms_compile[1] = now_ms() - t0;
			if (img[1].rfc_ok) {
				load(&L[1], obj, &img[1], npkts);
				ndes = 2;
			}
		}
		fprintf(stderr,
			"# %d rules (%u internal, %u slots, %u direct): bitmap compile %.0f ms (classes %.0f, trie %.0f, "
			"bitmaps %.0f), load %.0f ms, fill %.0f ms\n"
			"#   classes: addr %u S %u D %u | pf %u icmp %u ttl %u dsize %u sport %u dport %u; direct lists %u "
			"(longest %u)\n"
			"#   trie nodes %u skips %u; memory: common %.1f MB + bitmap %.1f MB\n",
			rs.n, img[0].nreal, img[0].dbase, img[0].ni - img[0].dbase, ms_compile[0], img[0].ms_classes,
			img[0].ms_trie, img[0].ms_bitmap, L[0].ms_load, L[0].ms_fill, img[0].ncls_addr, img[0].ncls_fin[0],
			img[0].ncls_fin[1], img[0].ncls_fld[0], img[0].ncls_fld[1], img[0].ncls_fld[2], img[0].ncls_fld[3],
			img[0].ncls_fld[4], img[0].ncls_fld[5], img[0].ndlist, img[0].max_dlist, img[0].nnode, img[0].nskip,
			L[0].mem_common / 1e6, L[0].mem_bitmap / 1e6);
		if (budget)
			fprintf(stderr, "#   rfc: compile %.0f ms, %s%s; merge entries %llu, memory %.1f MB\n", ms_compile[1],
				img[1].rfc_ok ? "ok" : "infeasible: ", img[1].rfc_ok ? "" : img[1].rfc_err,
				(unsigned long long)img[1].nrfc, ndes == 2 ? (L[1].mem_common + L[1].mem_rfc) / 1e6 : 0.0);
		for (int mi = 0; mi < nmodes; mi++) {
			struct modestat st;

			do_mode(&rs, img, L, ndes, modes[mi], npkts, rounds, passes, seed + 17 * (mi + 1), &st);
			printf("%-6d %-5s %6.0f %6.0f %6.0f %6.0f %6.0f %7.0f %7.0f | %7.1f %7d %5d %7.2f | %s\n", rs.n,
			       mode_name[modes[mi]], st.ns[3], st.ns[0], st.ns[4], st.ns[5], st.ns[1], st.ns[2],
			       st.ns[1] - st.ns[0], st.steps, st.maxsteps, st.nslow, st.matches, st.bad ? "FAIL" : "ok");
			fflush(stdout);
			bad += st.bad;
		}
		for (int d = 0; d < ndes; d++)
			bpf_object__close(L[d].obj);
		free_image(&img[0]);
		if (budget)
			free_image(&img[1]);
		free_rules(&rs);
	}
	return bad ? 1 : 0;
}
