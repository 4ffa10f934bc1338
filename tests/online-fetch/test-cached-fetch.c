/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ub_cached_fetch() against a local HTTP server: first fetch, fresh, stale with
 * 304 and 200, offline, size bounds, truncation, refused addresses, discard. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ub-cached-fetch.h"
#include "ub-online-error.h"

#include "ub-test-http.h"
#include "ub-test-utils.h"

#define HOUR G_TIME_SPAN_HOUR
#define MAX_SIZE 4096
#define PATH "/data/latest.yml"
#define V1 "version: 1\nroms: [a, b]\n"
#define V2 "version: 2\nroms: [a, b, c]\n"
#define MODIFIED_1 "Mon, 20 Jul 2026 10:00:00 GMT"
#define MODIFIED_2 "Tue, 21 Jul 2026 10:00:00 GMT"

typedef struct {
  UbTestHttp *http;
  char       *dir;
  char       *cache_path;   /* in a folder that does not exist yet */
  char       *meta_path;
  char       *tmp_path;
  char       *url;
} Fixture;

static GBytes *
text (const char *s)
{
  return g_bytes_new_static (s, strlen (s));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) v1 = text (V1);

  f->http = ub_test_http_new ();
  f->dir = ub_test_make_tmp_dir ("unbrick-cached-fetch-XXXXXX");
  f->cache_path = g_build_filename (f->dir, "cache", "catalog", "latest.yml", NULL);
  f->meta_path = g_strconcat (f->cache_path, ".meta", NULL);
  f->tmp_path = g_strconcat (f->cache_path, ".tmp", NULL);
  f->url = ub_test_http_url (f->http, PATH);
  ub_test_http_set (f->http, PATH, v1, "\"v1\"", MODIFIED_1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ub_test_http_free (f->http);
  ub_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->cache_path);
  g_free (f->meta_path);
  g_free (f->tmp_path);
  g_free (f->url);
}

static void
stop_server (Fixture *f)
{
  g_clear_pointer (&f->http, ub_test_http_free);
}

typedef struct {
  GBytes    *bytes;
  GDateTime *fetched;
  gboolean   offline;
  GError    *error;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->bytes, g_bytes_unref);
  g_clear_pointer (&r->fetched, g_date_time_unref);
  g_clear_error (&r->error);
  r->offline = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static void
fetch_url (Fixture    *f,
           const char *url,
           GTimeSpan   max_age,
           gsize       max_size,
           Result     *r)
{
  result_clear (r);
  r->offline = 42;   /* must be set either way */
  r->bytes = ub_cached_fetch (NULL, url, f->cache_path, max_age, max_size, &r->fetched,
                              &r->offline, NULL, &r->error);
  g_assert_true ((r->bytes == NULL) == (r->error != NULL));
  g_assert_true ((r->bytes == NULL) == (r->fetched == NULL));
  g_assert_true (r->offline == TRUE || r->offline == FALSE);
}

static void
fetch (Fixture   *f,
       GTimeSpan  max_age,
       Result    *r)
{
  fetch_url (f, f->url, max_age, MAX_SIZE, r);
}

static void
assert_bytes_str (GBytes     *bytes,
                  const char *expected)
{
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, strlen (expected));
}

static void
assert_file_str (const char *path,
                 const char *expected)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, expected, strlen (expected));
}

static char *
meta_get (Fixture    *f,
          const char *key)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_key_file_load_from_file (key_file, f->meta_path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  return g_key_file_get_string (key_file, "fetch", key, NULL);
}

static GDateTime *
meta_fetched (Fixture *f)
{
  g_autofree char *value = meta_get (f, "fetched");
  GDateTime *time;

  g_assert_nonnull (value);
  g_assert_true (g_str_has_suffix (value, "Z"));   /* ISO 8601, UTC */
  time = g_date_time_new_from_iso8601 (value, NULL);
  g_assert_nonnull (time);
  return time;
}

/* Pretends the cached copy was fetched @age ago; returns that time. */
static GDateTime *
age_cache (Fixture   *f,
           GTimeSpan  age)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add (now, -age);
  g_autofree char *value = g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ");
  g_autoptr(GError) error = NULL;

  g_assert_true (g_key_file_load_from_file (key_file, f->meta_path, G_KEY_FILE_NONE, &error));
  g_key_file_set_string (key_file, "fetch", "fetched", value);
  g_assert_true (g_key_file_save_to_file (key_file, f->meta_path, &error));
  g_assert_no_error (error);
  return g_date_time_new_from_iso8601 (value, NULL);
}

static void
assert_recent (GDateTime *time)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan age = g_date_time_difference (now, time);

  g_assert_cmpint (age, >=, -G_TIME_SPAN_SECOND);
  g_assert_cmpint (age, <, 60 * G_TIME_SPAN_SECOND);
}

static void
assert_same_time (GDateTime *a,
                  GDateTime *b)
{
  g_assert_cmpint (g_date_time_to_unix (a), ==, g_date_time_to_unix (b));
}

static void
assert_nothing_on_disk (Fixture *f)
{
  g_assert_false (g_file_test (f->cache_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (f->meta_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (f->tmp_path, G_FILE_TEST_EXISTS));
}

/* The first fetch, made by every test that needs a cached V1. */
static void
prime (Fixture *f)
{
  g_auto(Result) r = { NULL, };

  fetch (f, HOUR, &r);
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V1);
}

/* ---- tests */

static void
test_first_fetch (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GDateTime) stored = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *modified = NULL;
  g_autofree char *inm = NULL;

  fetch (f, HOUR, &r);
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V1);
  g_assert_false (r.offline);
  assert_recent (r.fetched);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, 1);
  /* nothing to validate against yet */
  inm = ub_test_http_dup_last_header (f->http, PATH, "If-None-Match");
  g_assert_null (inm);

  assert_file_str (f->cache_path, V1);
  g_assert_false (g_file_test (f->tmp_path, G_FILE_TEST_EXISTS));
  etag = meta_get (f, "etag");
  modified = meta_get (f, "last-modified");
  g_assert_cmpstr (etag, ==, "\"v1\"");
  g_assert_cmpstr (modified, ==, MODIFIED_1);
  stored = meta_fetched (f);
  g_assert_true (g_date_time_equal (stored, r.fetched));
}

static void
test_fresh (Fixture       *f,
            gconstpointer  data)
{
  g_auto(Result) first = { NULL, };
  g_auto(Result) r = { NULL, };
  g_autoptr(GBytes) v2 = text (V2);

  fetch (f, HOUR, &first);
  g_assert_no_error (first.error);
  /* even a changed document is not asked for while the copy is fresh */
  ub_test_http_set (f->http, PATH, v2, "\"v2\"", MODIFIED_2);
  fetch (f, HOUR, &r);
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V1);
  g_assert_false (r.offline);
  assert_same_time (r.fetched, first.fetched);
  g_assert_cmpint (ub_test_http_get_requests (f->http, NULL), ==, 1);

  /* 50 minutes old with a 1 hour max age: still fresh */
  g_clear_pointer (&first.fetched, g_date_time_unref);
  first.fetched = age_cache (f, 50 * G_TIME_SPAN_MINUTE);
  fetch (f, HOUR, &r);
  assert_bytes_str (r.bytes, V1);
  assert_same_time (r.fetched, first.fetched);
  g_assert_cmpint (ub_test_http_get_requests (f->http, NULL), ==, 1);
}

static void
test_stale_not_modified (Fixture       *f,
                         gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GDateTime) old = NULL;
  g_autoptr(GDateTime) stored = NULL;
  g_autofree char *inm = NULL;
  g_autofree char *ims = NULL;
  g_autofree char *etag = NULL;

  prime (f);
  old = age_cache (f, 2 * HOUR);
  fetch (f, HOUR, &r);
  g_assert_no_error (r.error);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, 2);
  inm = ub_test_http_dup_last_header (f->http, PATH, "If-None-Match");
  ims = ub_test_http_dup_last_header (f->http, PATH, "If-Modified-Since");
  g_assert_cmpstr (inm, ==, "\"v1\"");
  g_assert_cmpstr (ims, ==, MODIFIED_1);
  assert_bytes_str (r.bytes, V1);
  g_assert_false (r.offline);
  /* the copy's time is refreshed, in the answer and on disk */
  assert_recent (r.fetched);
  g_assert_cmpint (g_date_time_difference (r.fetched, old), >=, HOUR);
  stored = meta_fetched (f);
  assert_same_time (stored, r.fetched);
  etag = meta_get (f, "etag");
  g_assert_cmpstr (etag, ==, "\"v1\"");
  assert_file_str (f->cache_path, V1);

  /* and it is fresh again: no request */
  fetch (f, HOUR, &r);
  assert_bytes_str (r.bytes, V1);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, 2);
}

/* A server that only knows Last-Modified */
static void
test_stale_not_modified_by_date (Fixture       *f,
                                 gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GBytes) v1 = text (V1);
  g_autofree char *inm = NULL;
  g_autofree char *ims = NULL;
  g_autofree char *etag = NULL;

  ub_test_http_set (f->http, PATH, v1, NULL, MODIFIED_1);
  prime (f);
  etag = meta_get (f, "etag");
  g_assert_null (etag);
  fetch (f, 0, &r);
  g_assert_no_error (r.error);
  inm = ub_test_http_dup_last_header (f->http, PATH, "If-None-Match");
  ims = ub_test_http_dup_last_header (f->http, PATH, "If-Modified-Since");
  g_assert_null (inm);
  g_assert_cmpstr (ims, ==, MODIFIED_1);
  assert_bytes_str (r.bytes, V1);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, 2);
}

static void
test_stale_replaced (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GBytes) v2 = text (V2);
  g_autofree char *inm = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *modified = NULL;

  prime (f);
  ub_test_http_set (f->http, PATH, v2, "\"v2\"", MODIFIED_2);
  age_cache (f, 2 * HOUR);
  fetch (f, HOUR, &r);
  g_assert_no_error (r.error);
  inm = ub_test_http_dup_last_header (f->http, PATH, "If-None-Match");
  g_assert_cmpstr (inm, ==, "\"v1\"");
  assert_bytes_str (r.bytes, V2);
  g_assert_false (r.offline);
  assert_recent (r.fetched);
  assert_file_str (f->cache_path, V2);
  g_assert_false (g_file_test (f->tmp_path, G_FILE_TEST_EXISTS));
  etag = meta_get (f, "etag");
  modified = meta_get (f, "last-modified");
  g_assert_cmpstr (etag, ==, "\"v2\"");
  g_assert_cmpstr (modified, ==, MODIFIED_2);
}

static void
test_offline_http_error (Fixture       *f,
                         gconstpointer  data)
{
  static const guint statuses[] = { 500, 503, 404, 403 };

  prime (f);
  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_auto(Result) r = { NULL, };
      g_autoptr(GDateTime) old = age_cache (f, 7 * HOUR);
      g_autoptr(GDateTime) stored = NULL;
      guint before = ub_test_http_get_requests (f->http, PATH);

      ub_test_http_set_status (f->http, PATH, statuses[i]);
      fetch (f, 6 * HOUR, &r);
      g_assert_no_error (r.error);
      g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, before + 1);
      assert_bytes_str (r.bytes, V1);
      g_assert_true (r.offline);
      /* when the copy was fetched, not now */
      assert_same_time (r.fetched, old);
      stored = meta_fetched (f);
      assert_same_time (stored, old);
      assert_file_str (f->cache_path, V1);
    }
}

static void
test_offline_server_down (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GDateTime) old = NULL;

  prime (f);
  old = age_cache (f, 7 * HOUR);
  stop_server (f);
  fetch (f, 6 * HOUR, &r);
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V1);
  g_assert_true (r.offline);
  assert_same_time (r.fetched, old);

  /* max age 0: always asks, still the copy */
  fetch (f, 0, &r);
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V1);
  g_assert_true (r.offline);
  assert_same_time (r.fetched, old);
}

static void
test_no_cache_network (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(Result) r = { NULL, };

  ub_test_http_set_status (f->http, PATH, 500);
  fetch (f, HOUR, &r);
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
  g_assert_false (r.offline);
  assert_nothing_on_disk (f);

  ub_test_http_set_status (f->http, PATH, 404);
  fetch (f, HOUR, &r);
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
  assert_nothing_on_disk (f);

  stop_server (f);
  fetch (f, HOUR, &r);
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
  g_assert_false (r.offline);
  assert_nothing_on_disk (f);
}

static void
check_too_large (Fixture        *f,
                 UbTestHttpMode  mode,
                 gboolean        cached)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GBytes) big = ub_test_random_bytes (3 * MAX_SIZE, 7);
  g_autofree char *etag_before = NULL;
  g_autofree char *etag_after = NULL;
  g_autofree char *fetched_before = NULL;
  g_autofree char *fetched_after = NULL;

  if (cached)
    {
      prime (f);
      age_cache (f, 2 * HOUR);
      etag_before = meta_get (f, "etag");
      fetched_before = meta_get (f, "fetched");
    }
  ub_test_http_set (f->http, PATH, big, "\"big\"", MODIFIED_2);
  ub_test_http_set_mode (f->http, PATH, mode);
  fetch (f, HOUR, &r);
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_nonnull (strstr (r.error->message, "larger than"));
  if (mode == UB_TEST_HTTP_NORMAL)
    {
      /* refused on the announced length, which the message gives */
      g_autofree char *size = g_format_size (3 * MAX_SIZE);
      g_assert_nonnull (strstr (r.error->message, size));
    }
  g_assert_false (r.offline);
  if (!cached)
    {
      assert_nothing_on_disk (f);
      return;
    }
  /* the old copy is untouched */
  assert_file_str (f->cache_path, V1);
  g_assert_false (g_file_test (f->tmp_path, G_FILE_TEST_EXISTS));
  etag_after = meta_get (f, "etag");
  fetched_after = meta_get (f, "fetched");
  g_assert_cmpstr (etag_after, ==, etag_before);
  g_assert_cmpstr (fetched_after, ==, fetched_before);
}

static void
test_too_large_length (Fixture       *f,
                       gconstpointer  data)
{
  check_too_large (f, UB_TEST_HTTP_NORMAL, TRUE);
}

static void
test_too_large_chunked (Fixture       *f,
                        gconstpointer  data)
{
  check_too_large (f, UB_TEST_HTTP_CHUNKED, TRUE);
}

static void
test_too_large_no_cache (Fixture       *f,
                         gconstpointer  data)
{
  check_too_large (f, UB_TEST_HTTP_CHUNKED, FALSE);
}

/* Exactly @max_size bytes is allowed, one more is not */
static void
test_size_limit_exact (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GBytes) body = ub_test_random_bytes (MAX_SIZE, 9);

  ub_test_http_set (f->http, PATH, body, "\"exact\"", NULL);
  ub_test_http_set_mode (f->http, PATH, UB_TEST_HTTP_CHUNKED);
  fetch_url (f, f->url, HOUR, MAX_SIZE, &r);
  g_assert_no_error (r.error);
  g_assert_true (g_bytes_equal (r.bytes, body));

  fetch_url (f, f->url, 0, MAX_SIZE - 1, &r);
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GBytes) v2 = text (V2);
  g_autofree char *etag = NULL;

  prime (f);
  age_cache (f, 2 * HOUR);
  ub_test_http_set (f->http, PATH, v2, "\"v2\"", MODIFIED_2);
  ub_test_http_set_mode (f->http, PATH, UB_TEST_HTTP_TRUNCATED);
  fetch (f, HOUR, &r);
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_null (r.bytes);
  assert_file_str (f->cache_path, V1);
  g_assert_false (g_file_test (f->tmp_path, G_FILE_TEST_EXISTS));
  etag = meta_get (f, "etag");
  g_assert_cmpstr (etag, ==, "\"v1\"");
}

static void
count_request (SoupSession *session,
               SoupMessage *msg,
               guint       *count)
{
  (*count)++;
}

static void
test_refused_url (Fixture       *f,
                  gconstpointer  data)
{
  static const char *const urls[] = {
    "http://example.com/latest.yml",
    "ftp://127.0.0.1/latest.yml",
    "file:///etc/passwd",
    "https:///latest.yml",
    "not a web address",
  };
  g_autoptr(SoupSession) session = soup_session_new ();
  guint queued = 0;

  g_signal_connect (session, "request-queued", G_CALLBACK (count_request), &queued);
  /* even with a copy in the cache: the address itself is wrong */
  prime (f);
  age_cache (f, 2 * HOUR);
  for (gsize i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDateTime) fetched = NULL;
      gboolean offline = TRUE;
      g_autoptr(GBytes) bytes = ub_cached_fetch (session, urls[i], f->cache_path, HOUR, MAX_SIZE,
                                                 &fetched, &offline, NULL, &error);

      g_test_message ("%s: %s", urls[i], error != NULL ? error->message : "(no error)");
      g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
      g_assert_null (bytes);
      g_assert_null (fetched);
      g_assert_false (offline);
    }
  g_assert_cmpuint (queued, ==, 0);
  g_assert_cmpint (ub_test_http_get_requests (f->http, NULL), ==, 1);
  assert_file_str (f->cache_path, V1);
}

/* Through the caller's session, which is used (not a private one) */
static void
test_caller_session (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint queued = 0;

  g_signal_connect (session, "request-queued", G_CALLBACK (count_request), &queued);
  bytes = ub_cached_fetch (session, f->url, f->cache_path, HOUR, MAX_SIZE, NULL, NULL, NULL,
                           &error);
  g_assert_no_error (error);
  assert_bytes_str (bytes, V1);
  g_assert_cmpuint (queued, ==, 1);
}

static void
test_redirect (Fixture       *f,
               gconstpointer  data)
{
  g_auto(Result) r = { NULL, };

  /* to this machine: followed */
  ub_test_http_set_redirect (f->http, "/moved.yml", PATH);
  {
    g_autofree char *moved = ub_test_http_url (f->http, "/moved.yml");
    fetch_url (f, moved, HOUR, MAX_SIZE, &r);
  }
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V1);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, 1);

  /* to plain http elsewhere: refused, and the copy of the other address not used */
  ub_test_http_set_redirect (f->http, "/away.yml", "http://example.com/latest.yml");
  {
    g_autofree char *away = ub_test_http_url (f->http, "/away.yml");
    fetch_url (f, away, HOUR, MAX_SIZE, &r);
  }
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
}

/* The copy of another address is not this address's copy */
static void
test_other_url (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GBytes) v2 = text (V2);
  g_autofree char *other = ub_test_http_url (f->http, "/other.yml");

  prime (f);
  ub_test_http_set (f->http, "/other.yml", v2, "\"o\"", NULL);
  fetch_url (f, other, HOUR, MAX_SIZE, &r);
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V2);
  g_assert_cmpint (ub_test_http_get_requests (f->http, "/other.yml"), ==, 1);
  {
    g_autofree char *inm = ub_test_http_dup_last_header (f->http, "/other.yml", "If-None-Match");
    g_assert_null (inm);
  }
}

static void
test_discard (Fixture       *f,
              gconstpointer  data)
{
  g_auto(Result) r = { NULL, };

  prime (f);
  g_assert_true (g_file_test (f->cache_path, G_FILE_TEST_EXISTS));
  ub_cached_fetch_discard (f->cache_path);
  assert_nothing_on_disk (f);
  /* nothing left to be fresh: fetched again, unconditionally */
  fetch (f, HOUR, &r);
  g_assert_no_error (r.error);
  assert_bytes_str (r.bytes, V1);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, 2);
  {
    g_autofree char *inm = ub_test_http_dup_last_header (f->http, PATH, "If-None-Match");
    g_assert_null (inm);
  }
  assert_file_str (f->cache_path, V1);

  /* discarding what is not there is fine */
  ub_cached_fetch_discard (f->cache_path);
  ub_cached_fetch_discard (f->cache_path);
  assert_nothing_on_disk (f);
}

/* A copy without its .meta, or with a broken one, is not trusted */
static void
test_broken_meta (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Result) r = { NULL, };
  g_autoptr(GError) error = NULL;

  prime (f);
  g_assert_true (g_file_set_contents (f->meta_path, "[fetch]\nfetched=yesterday\n", -1, &error));
  fetch (f, HOUR, &r);
  g_assert_no_error (r.error);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, 2);

  g_assert_cmpint (g_unlink (f->meta_path), ==, 0);
  stop_server (f);
  fetch (f, HOUR, &r);
  g_assert_error (r.error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean offline = TRUE;

  prime (f);
  age_cache (f, 2 * HOUR);
  g_cancellable_cancel (cancellable);
  bytes = ub_cached_fetch (NULL, f->url, f->cache_path, HOUR, MAX_SIZE, NULL, &offline,
                           cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (bytes);
  g_assert_false (offline);
}

/* ---- several threads on one cache path */

#define N_THREADS 6
#define N_ROUNDS  15
#define BIG_SIZE  (256 * 1024)

typedef struct {
  Fixture *f;
  GBytes  *base;
} Racer;

static gpointer
race (gpointer data)
{
  Racer *racer = data;

  for (guint i = 0; i < N_ROUNDS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = ub_cached_fetch (NULL, racer->f->url, racer->f->cache_path, 0,
                                                 2 * BIG_SIZE, NULL, NULL, NULL, &error);

      g_assert_no_error (error);
      /* whole: the body, then "#N\n" */
      g_assert_cmpuint (g_bytes_get_size (bytes), >, BIG_SIZE);
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), BIG_SIZE,
                       g_bytes_get_data (racer->base, NULL), BIG_SIZE);
    }
  return NULL;
}

/* The copy on disk is always one whole answer, with that answer's validators */
static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GBytes) base = ub_test_random_bytes (BIG_SIZE, 11);
  GThread *threads[N_THREADS];
  Racer racer = { f, base };
  g_autofree char *contents = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *expected_tail = NULL;
  gsize length = 0;

  ub_test_http_set (f->http, PATH, base, NULL, NULL);
  ub_test_http_set_mode (f->http, PATH, UB_TEST_HTTP_NUMBERED);
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("racer", race, &racer);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (ub_test_http_get_requests (f->http, PATH), ==, N_THREADS * N_ROUNDS);

  g_assert_true (g_file_get_contents (f->cache_path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, BIG_SIZE);
  g_assert_cmpmem (contents, BIG_SIZE, g_bytes_get_data (base, NULL), BIG_SIZE);
  etag = meta_get (f, "etag");
  g_assert_nonnull (etag);
  /* "\"N\"" → "#N\n" */
  expected_tail = g_strdup_printf ("#%.*s\n", (int) strlen (etag) - 2, etag + 1);
  g_assert_cmpmem (contents + BIG_SIZE, length - BIG_SIZE, expected_tail, strlen (expected_tail));
  g_assert_false (g_file_test (f->tmp_path, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/cached-fetch/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("first-fetch", test_first_fetch);
  ADD ("fresh", test_fresh);
  ADD ("stale/not-modified", test_stale_not_modified);
  ADD ("stale/not-modified-by-date", test_stale_not_modified_by_date);
  ADD ("stale/replaced", test_stale_replaced);
  ADD ("offline/http-error", test_offline_http_error);
  ADD ("offline/server-down", test_offline_server_down);
  ADD ("no-cache/network", test_no_cache_network);
  ADD ("too-large/content-length", test_too_large_length);
  ADD ("too-large/chunked", test_too_large_chunked);
  ADD ("too-large/no-cache", test_too_large_no_cache);
  ADD ("too-large/exact-limit", test_size_limit_exact);
  ADD ("truncated", test_truncated);
  ADD ("refused-url", test_refused_url);
  ADD ("caller-session", test_caller_session);
  ADD ("redirect", test_redirect);
  ADD ("other-url", test_other_url);
  ADD ("discard", test_discard);
  ADD ("broken-meta", test_broken_meta);
  ADD ("cancelled", test_cancelled);
  ADD ("threads", test_threads);
#undef ADD

  return g_test_run ();
}
