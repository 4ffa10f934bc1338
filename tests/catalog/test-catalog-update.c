/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ub_rom_catalog_update() against a local HTTP server serving the real samples
 * (tests/fixtures/catalog): the houji regions, the cache's max age, offline use,
 * malformed, truncated, huge and refused catalogs, a history source that fails. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ub-online-error.h"
#include "ub-rom-catalog.h"

#include "ub-test-http.h"
#include "ub-test-utils.h"

#define LATEST "/data/latest.yml"
#define HISTORY_DIR "/devices/"
#define HOUJI_JSON "/devices/houji.json"
#define N_HOUJI_REGIONS 8

typedef struct {
  UbTestHttp *http;
  char       *cache_dir;
  char       *latest_url;
  char       *history_url;
  GBytes     *latest;
  GBytes     *houji;
} Fixture;

static GBytes *
fixture_bytes (const char *name)
{
  g_autofree char *path = ub_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_assert_nonnull (path);
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->http = ub_test_http_new ();
  f->cache_dir = ub_test_make_tmp_dir ("unbrick-catalog-update-XXXXXX");
  f->latest_url = ub_test_http_url (f->http, LATEST);
  f->history_url = ub_test_http_url (f->http, HISTORY_DIR);
  f->latest = fixture_bytes ("catalog/xfu-latest.trimmed.yml");
  f->houji = fixture_bytes ("catalog/hyperdata-houji.trimmed.json");
  ub_test_http_set (f->http, LATEST, f->latest, "\"latest-1\"", "Sat, 22 Aug 2026 09:15:00 GMT");
  ub_test_http_set (f->http, HOUJI_JSON, f->houji, "\"houji-1\"", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ub_test_http_free (f->http);
  ub_test_rm_rf (f->cache_dir);
  g_free (f->cache_dir);
  g_free (f->latest_url);
  g_free (f->history_url);
  g_bytes_unref (f->latest);
  g_bytes_unref (f->houji);
}

static UbRomCatalog *
catalog_new (Fixture *f)
{
  UbRomCatalog *catalog = ub_rom_catalog_new ();

  ub_rom_catalog_set_sources (catalog, f->latest_url, f->history_url);
  ub_rom_catalog_set_cache_dir (catalog, f->cache_dir);
  return catalog;
}

static char *
cache_file (Fixture    *f,
            const char *name)
{
  return g_build_filename (f->cache_dir, name, NULL);
}

static gboolean
cache_has (Fixture    *f,
           const char *name)
{
  g_autofree char *path = cache_file (f, name);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* "<region key> <version>" per release, in order */
static char *
describe (GPtrArray *releases)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < releases->len; i++)
    {
      UbRomRelease *r = g_ptr_array_index (releases, i);

      g_string_append_printf (s, "%s%s %s", i > 0 ? ", " : "",
                              ub_rom_region_to_key (ub_rom_release_get_region (r)),
                              ub_rom_release_get_version (r));
    }
  return g_string_free (s, FALSE);
}

static UbRomRelease *
find_region (GPtrArray   *releases,
             UbRomRegion  region)
{
  for (guint i = 0; i < releases->len; i++)
    if (ub_rom_release_get_region (g_ptr_array_index (releases, i)) == region)
      return g_ptr_array_index (releases, i);
  return NULL;
}

/* The newest stable fastboot ROM of each of houji's 8 regions, newest first. */
static void
assert_houji_regions (UbRomCatalog *catalog)
{
  static const UbRomRegion regions[N_HOUJI_REGIONS] = {
    UB_ROM_REGION_GLOBAL, UB_ROM_REGION_EEA, UB_ROM_REGION_CHINA, UB_ROM_REGION_INDIA,
    UB_ROM_REGION_RUSSIA, UB_ROM_REGION_INDONESIA, UB_ROM_REGION_TURKEY, UB_ROM_REGION_TAIWAN,
  };
  g_autoptr(GPtrArray) releases = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_DEFAULT);
  g_autofree char *text = describe (releases);
  UbRomRelease *global, *eea, *turkey;

  g_test_message ("houji: %s", text);
  g_assert_cmpuint (releases->len, ==, N_HOUJI_REGIONS);
  for (guint i = 0; i < G_N_ELEMENTS (regions); i++)
    g_assert_nonnull (find_region (releases, regions[i]));
  for (guint i = 0; i < releases->len; i++)
    {
      UbRomRelease *r = g_ptr_array_index (releases, i);

      g_assert_cmpstr (ub_rom_release_get_product (r), ==, "houji");
      g_assert_cmpint (ub_rom_release_get_package (r), ==, UB_ROM_PACKAGE_FASTBOOT);
      g_assert_cmpint (ub_rom_release_get_branch (r), ==, UB_ROM_BRANCH_STABLE);
      g_assert_cmpint (ub_rom_release_get_edition (r), ==, UB_ROM_EDITION_NONE);
      if (i > 0)
        g_assert_cmpstr (ub_rom_release_get_date (g_ptr_array_index (releases, i - 1)), >=,
                         ub_rom_release_get_date (r));
    }

  global = find_region (releases, UB_ROM_REGION_GLOBAL);
  g_assert_cmpstr (ub_rom_release_get_version (global), ==, "OS3.0.303.0.WNCMIXM");
  g_assert_cmpstr (ub_rom_release_get_android (global), ==, "16.0");
  g_assert_cmpstr (ub_rom_release_get_date (global), ==, "2026-07-20");
  g_assert_true (g_str_has_prefix (ub_rom_release_get_md5 (global), "e67bb2459e60"));
  eea = find_region (releases, UB_ROM_REGION_EEA);
  g_assert_cmpstr (ub_rom_release_get_version (eea), ==, "OS3.0.303.0.WNCEUXM");
  turkey = find_region (releases, UB_ROM_REGION_TURKEY);
  g_assert_cmpstr (ub_rom_release_get_version (turkey), ==, "OS1.0.1.0.UNCTRXM");
  /* the oldest of them */
  g_assert_true (g_ptr_array_index (releases, releases->len - 1) == turkey);
}

static guint
count (UbRomCatalog    *catalog,
       UbRomQueryFlags  flags)
{
  g_autoptr(GPtrArray) releases = ub_rom_catalog_find (catalog, "houji", flags);

  return releases->len;
}

static void
assert_recent (GDateTime *time)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan age;

  g_assert_nonnull (time);
  age = g_date_time_difference (now, time);
  g_assert_cmpint (age, >=, -G_TIME_SPAN_SECOND);
  g_assert_cmpint (age, <, 60 * G_TIME_SPAN_SECOND);
}

/* ---- tests */

static void
test_houji (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (f);
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ub_rom_catalog_get_offline (catalog));
  assert_recent (ub_rom_catalog_get_fetched (catalog));
  g_assert_cmpint (ub_test_http_get_requests (f->http, LATEST), ==, 1);
  g_assert_cmpint (ub_test_http_get_requests (f->http, HOUJI_JSON), ==, 1);
  g_assert_true (cache_has (f, "latest.yml"));
  g_assert_true (cache_has (f, "history/houji.json"));

  assert_houji_regions (catalog);
  /* the history adds the older versions */
  g_assert_cmpuint (count (catalog, UB_ROM_QUERY_HISTORY), >, N_HOUJI_REGIONS);
}

static void
test_fresh_no_request (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(UbRomCatalog) first = catalog_new (f);
  g_autoptr(UbRomCatalog) second = catalog_new (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) fetched = NULL;
  guint history;

  g_assert_true (ub_rom_catalog_update (first, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  history = count (first, UB_ROM_QUERY_HISTORY);
  fetched = g_date_time_ref (ub_rom_catalog_get_fetched (first));
  g_assert_cmpint (ub_test_http_get_requests (f->http, NULL), ==, 2);

  /* the same object again, and a new one on the same cache (another run) */
  g_assert_true (ub_rom_catalog_update (first, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ub_rom_catalog_update (second, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ub_test_http_get_requests (f->http, NULL), ==, 2);
  g_assert_false (ub_rom_catalog_get_offline (second));
  g_assert_true (g_date_time_equal (ub_rom_catalog_get_fetched (second), fetched));
  assert_houji_regions (second);
  g_assert_cmpuint (count (second, UB_ROM_QUERY_HISTORY), ==, history);
}

static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(UbRomCatalog) online = catalog_new (f);
  g_autoptr(UbRomCatalog) offline = catalog_new (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *before_text = NULL;
  g_autofree char *after_text = NULL;
  g_autoptr(GDateTime) fetched = NULL;

  g_assert_true (ub_rom_catalog_update (online, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  before = ub_rom_catalog_find (online, "houji", UB_ROM_QUERY_HISTORY);
  fetched = g_date_time_ref (ub_rom_catalog_get_fetched (online));

  g_clear_pointer (&f->http, ub_test_http_free);
  ub_rom_catalog_set_max_age (offline, 0);
  g_assert_true (ub_rom_catalog_update (offline, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ub_rom_catalog_get_offline (offline));
  /* how old the copy is: when it was fetched, not now */
  g_assert_true (g_date_time_equal (ub_rom_catalog_get_fetched (offline), fetched));
  after = ub_rom_catalog_find (offline, "houji", UB_ROM_QUERY_HISTORY);
  before_text = describe (before);
  after_text = describe (after);
  g_assert_cmpstr (after_text, ==, before_text);
  assert_houji_regions (offline);
  f->http = ub_test_http_new ();   /* for the tear-down */
}

/* Without any cached copy and no server: an error, nothing to show */
static void
test_offline_no_cache (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (f);
  g_autoptr(GError) error = NULL;

  ub_test_http_set_status (f->http, LATEST, 503);
  g_assert_false (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
  g_assert_false (cache_has (f, "latest.yml"));
  g_assert_cmpuint (count (catalog, UB_ROM_QUERY_HISTORY), ==, 0);
}

static void
test_malformed_latest (Fixture       *f,
                       gconstpointer  data)
{
  static const char *const bad[] = {
    "- codename: houji\n  version: [unclosed\n",
    "codename: houji\n\tversion: x\n",
    "- android: '16.0'\n  codename: houji_global\n  link: \"unterminated\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(UbRomCatalog) catalog = catalog_new (f);
      g_autoptr(GBytes) body = g_bytes_new_static (bad[i], strlen (bad[i]));
      g_autoptr(GError) error = NULL;
      guint before = ub_test_http_get_requests (f->http, LATEST);

      ub_test_http_set (f->http, LATEST, body, "\"bad\"", NULL);
      g_assert_false (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
      g_test_message ("%s", error->message);
      g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
      g_assert_cmpint (ub_test_http_get_requests (f->http, LATEST), ==, before + 1);
      /* discarded, so the next try asks again */
      g_assert_false (cache_has (f, "latest.yml"));
      g_assert_false (cache_has (f, "latest.yml.meta"));
      g_assert_cmpuint (count (catalog, UB_ROM_QUERY_HISTORY), ==, 0);
    }

  /* the source is fixed: fetched again at once, although a copy was fetched just now */
  {
    g_autoptr(UbRomCatalog) catalog = catalog_new (f);
    g_autoptr(GError) error = NULL;
    guint before = ub_test_http_get_requests (f->http, LATEST);

    ub_test_http_set (f->http, LATEST, f->latest, "\"latest-2\"", NULL);
    g_assert_true (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (ub_test_http_get_requests (f->http, LATEST), ==, before + 1);
    assert_houji_regions (catalog);
  }
}

/* A good copy, then a malformed update of it: refused, the copy discarded */
static void
test_malformed_update (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(UbRomCatalog) first = catalog_new (f);
  g_autoptr(UbRomCatalog) second = catalog_new (f);
  g_autoptr(GBytes) body = g_bytes_new_static ("- [", 3);
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_rom_catalog_update (first, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  ub_test_http_set (f->http, LATEST, body, "\"bad\"", NULL);
  ub_rom_catalog_set_max_age (second, 0);
  g_assert_false (ub_rom_catalog_update (second, "houji", NULL, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_false (cache_has (f, "latest.yml"));
  /* what the first one had merged stays usable */
  assert_houji_regions (first);
}

static void
test_truncated_latest (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (f);
  g_autoptr(GError) error = NULL;

  ub_test_http_set_mode (f->http, LATEST, UB_TEST_HTTP_TRUNCATED);
  g_assert_false (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_false (cache_has (f, "latest.yml"));
  g_assert_cmpuint (count (catalog, UB_ROM_QUERY_HISTORY), ==, 0);
}

/* A catalog far larger than any real one is refused, with or without a length */
static void
test_huge_latest (Fixture       *f,
                  gconstpointer  data)
{
  const gsize size = 40 * 1024 * 1024;
  g_autoptr(GBytes) huge = NULL;
  char *text = g_malloc (size);

  /* valid YAML comment lines: only the size is wrong */
  for (gsize i = 0; i < size; i++)
    text[i] = i % 64 == 0 ? '#' : i % 64 == 63 ? '\n' : 'x';
  huge = g_bytes_new_take (text, size);
  ub_test_http_set (f->http, LATEST, huge, "\"huge\"", NULL);

  for (int chunked = 0; chunked <= 1; chunked++)
    {
      g_autoptr(UbRomCatalog) catalog = catalog_new (f);
      g_autoptr(GError) error = NULL;

      ub_test_http_set_mode (f->http, LATEST, chunked ? UB_TEST_HTTP_CHUNKED : UB_TEST_HTTP_NORMAL);
      g_assert_false (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
      g_test_message ("%s", error->message);
      g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
      g_assert_false (cache_has (f, "latest.yml"));
      g_assert_false (cache_has (f, "latest.yml.tmp"));
    }
}

static void
test_plain_http_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (f);
  g_autoptr(GError) error = NULL;

  ub_rom_catalog_set_sources (catalog, "http://example.com/data/latest.yml", f->history_url);
  g_assert_false (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_assert_cmpint (ub_test_http_get_requests (f->http, NULL), ==, 0);
}

static void
check_history_fails (Fixture    *f,
                     const char *history_url)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (f);
  g_autoptr(GError) error = NULL;

  ub_rom_catalog_set_sources (catalog, f->latest_url, history_url);
  g_assert_true (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_houji_regions (catalog);
  /* latest.yml only: 8 fastboot ROMs, nothing older */
  g_assert_cmpuint (count (catalog, UB_ROM_QUERY_HISTORY), ==, N_HOUJI_REGIONS);
  g_assert_false (cache_has (f, "history/houji.json"));
}

static void
test_history_unreachable (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(UbTestHttp) gone = ub_test_http_new ();
  g_autofree char *gone_url = ub_test_http_url (gone, HISTORY_DIR);

  /* a server that is not there any more */
  g_clear_pointer (&gone, ub_test_http_free);
  check_history_fails (f, gone_url);
}

static void
test_history_missing (Fixture       *f,
                      gconstpointer  data)
{
  ub_test_http_set (f->http, HOUJI_JSON, NULL, NULL, NULL);   /* 404 */
  check_history_fails (f, f->history_url);
  g_assert_cmpint (ub_test_http_get_requests (f->http, HOUJI_JSON), ==, 1);
}

static void
test_history_malformed (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) bad = g_bytes_new_static ("{\"branches\": [", 14);

  ub_test_http_set (f->http, HOUJI_JSON, bad, "\"bad\"", NULL);
  check_history_fails (f, f->history_url);
  g_assert_false (cache_has (f, "history/houji.json.meta"));
}

/* UNBRICK_CATALOG_URL and UNBRICK_HISTORY_URL, read by ub_rom_catalog_new() */
static void
test_environment (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(UbRomCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("UNBRICK_CATALOG_URL", f->latest_url, TRUE);
  g_setenv ("UNBRICK_HISTORY_URL", f->history_url, TRUE);
  catalog = ub_rom_catalog_new ();
  g_unsetenv ("UNBRICK_CATALOG_URL");
  g_unsetenv ("UNBRICK_HISTORY_URL");
  ub_rom_catalog_set_cache_dir (catalog, f->cache_dir);
  g_assert_true (ub_rom_catalog_update (catalog, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ub_test_http_get_requests (f->http, LATEST), ==, 1);
  g_assert_cmpint (ub_test_http_get_requests (f->http, HOUJI_JSON), ==, 1);
  assert_houji_regions (catalog);
}

int
main (int   argc,
      char *argv[])
{
  /* never the tester's own settings */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_unsetenv ("UNBRICK_CATALOG_URL");
  g_unsetenv ("UNBRICK_HISTORY_URL");
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/catalog-update/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("houji", test_houji);
  ADD ("fresh-no-request", test_fresh_no_request);
  ADD ("offline", test_offline);
  ADD ("offline-no-cache", test_offline_no_cache);
  ADD ("malformed/first", test_malformed_latest);
  ADD ("malformed/update", test_malformed_update);
  ADD ("truncated", test_truncated_latest);
  ADD ("huge", test_huge_latest);
  ADD ("plain-http", test_plain_http_refused);
  ADD ("history/unreachable", test_history_unreachable);
  ADD ("history/missing", test_history_missing);
  ADD ("history/malformed", test_history_malformed);
  ADD ("environment", test_environment);
#undef ADD

  return g_test_run ();
}
