/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A full-size latest.yml (3 544 records, as XiaomiFirmwareUpdater's) built in
 * memory from the sample's 42 records (codenames renamed per copy), then
 * ub_rom_catalog_load_latest() + ub_rom_catalog_find(): time and extra memory.
 * Prints figures; not a timed test (`meson test -C build --benchmark catalog`).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ub-rom-catalog.h"

#define RECORDS 3544
#define RUNS    5

/* A /proc/self/status field in KiB. */
static guint64
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, field);
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (field) + 1, NULL, 10);
}

static GBytes *
build_latest (const char *sample,
              guint      *count)
{
  g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  const char *p = strstr (sample, "\n- ");

  /* the record blocks ("- android: …" up to the next "- ") */
  while (p != NULL)
    {
      const char *next = strstr (p + 1, "\n- ");

      g_ptr_array_add (blocks, next != NULL ? g_strndup (p + 1, (gsize) (next - p))
                                            : g_strdup (p + 1));
      p = next;
    }
  g_assert (blocks->len > 0);
  for (guint i = 0; i < RECORDS; i++)
    {
      g_autoptr(GString) block = g_string_new (g_ptr_array_index (blocks, i % blocks->len));
      guint copy = i / blocks->len;

      if (copy > 0)
        {
          /* "codename: houji_eea_global" → every "houji" in the block becomes "houjix12" */
          const char *c = strstr (block->str, "codename: ");
          g_autofree char *word = NULL;
          g_autofree char *renamed = NULL;

          g_assert (c != NULL);
          c += strlen ("codename: ");
          word = g_strndup (c, strcspn (c, "_\n"));
          renamed = g_strdup_printf ("%sx%u", word, copy);
          g_string_replace (block, word, renamed, 0);
        }
      g_string_append (out, block->str);
      if (out->str[out->len - 1] != '\n')
        g_string_append_c (out, '\n');
    }
  *count = RECORDS;
  return g_string_free_to_bytes (out);
}

int
main (int   argc,
      char *argv[])
{
  const char *fixtures = g_getenv ("UB_FIXTURES_DIR");
  g_autofree char *path = NULL;
  g_autofree char *sample = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) yaml = NULL;
  g_autoptr(UbRomCatalog) kept = NULL;
  double best_load = G_MAXDOUBLE, best_find = G_MAXDOUBLE;
  guint64 rss_before, rss_after, hwm_after;
  guint count = 0, found = 0;

  path = g_build_filename (fixtures != NULL ? fixtures : "tests/fixtures", "catalog",
                           "xfu-latest.trimmed.yml", NULL);
  if (!g_file_get_contents (path, &sample, NULL, &error))
    g_error ("%s", error->message);
  yaml = build_latest (sample, &count);

  /* memory: one catalog kept alive, measured around its first load */
  rss_before = status_kib ("VmRSS:");
  kept = ub_rom_catalog_new ();
  if (!ub_rom_catalog_load_latest (kept, yaml, &error))
    g_error ("%s", error->message);
  rss_after = status_kib ("VmRSS:");
  hwm_after = status_kib ("VmHWM:");

  for (guint run = 0; run < RUNS; run++)
    {
      g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
      g_autoptr(GPtrArray) releases = NULL;
      gint64 t0, t1, t2;

      t0 = g_get_monotonic_time ();
      if (!ub_rom_catalog_load_latest (catalog, yaml, &error))
        g_error ("%s", error->message);
      t1 = g_get_monotonic_time ();
      releases = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_DEFAULT);
      t2 = g_get_monotonic_time ();
      best_load = MIN (best_load, (t1 - t0) / 1000.0);
      best_find = MIN (best_find, (t2 - t1) / 1000.0);
      found = releases->len;
    }

  printf ("latest.yml: %u records, %zu bytes\n", count, g_bytes_get_size (yaml));
  printf ("load_latest: %.1f ms (best of %u)\n", best_load, (guint) RUNS);
  printf ("find houji: %.2f ms, %u releases\n", best_find, found);
  printf ("extra RSS: %" G_GUINT64_FORMAT " KiB kept, %" G_GUINT64_FORMAT " KiB at the peak\n",
          rss_after - rss_before, hwm_after > rss_before ? hwm_after - rss_before : 0);
  return found == 8 ? 0 : 1;
}
