/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The demo mode's ROM catalog server (UbEmuRomServer): latest.yml and the
 * history JSON in the real formats, the ROM files packed as real .tgz whose
 * names carry their MD5, HEAD, Range and If-Range, and UbEmuDemo's lazy start.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <string.h>

#include "ub-emu-demo.h"
#include "ub-emu-rom-server.h"

#include "ub-test-utils.h"

typedef struct {
  char           *dir;
  UbEmuRomServer *server;
  SoupSession    *session;
} Fixture;

/* One server for the tests that only read from it (packing takes a few seconds). */
static Fixture shared;

static void
fixture_set_up (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  f->dir = ub_test_make_tmp_dir ("ub-rom-server-XXXXXX");
  f->server = ub_emu_rom_server_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->server);
  g_test_message ("ROM server ready in %.2f s", (g_get_monotonic_time () - start) / 1e6);
  f->session = soup_session_new ();
}

static void
fixture_tear_down (Fixture *f)
{
  g_clear_object (&f->session);
  g_clear_object (&f->server);
  ub_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* A request on @f's session: its status, response headers and body. */
static GBytes *
request (Fixture     *f,
         const char  *method,
         const char  *url,
         const char  *header,
         const char  *value,
         guint       *status,
         SoupMessageHeaders **headers)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  g_assert_nonnull (msg);
  if (header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), header, value);
  body = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (headers != NULL)
    *headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return body;
}

/* The latest.yml record (a "- " block) whose codename is @codename, or NULL. */
static char *
record_of (const char *yml,
           const char *codename)
{
  g_auto(GStrv) records = g_strsplit (yml, "\n- ", -1);
  g_autofree char *line = g_strdup_printf ("\n  codename: %s\n", codename);

  for (guint i = 0; records[i] != NULL; i++)
    if (strstr (records[i], line) != NULL)
      return g_strdup (records[i]);
  return NULL;
}

static char *
field_of (const char *record,
          const char *field)
{
  g_autofree char *key = g_strdup_printf ("\n  %s: ", field);
  g_autofree char *text = g_strconcat ("\n  ", record, NULL);
  const char *p = strstr (text, key);

  if (p == NULL)
    return NULL;
  p += strlen (key);
  return g_strndup (p, strcspn (p, "\n"));
}

static void
test_latest (void)
{
  Fixture *f = &shared;
  const char *base = ub_emu_rom_server_get_base_url (f->server);
  const char *versions[] = { UB_EMU_ROM_SERVER_GLOBAL_VERSION, UB_EMU_ROM_SERVER_EEA_VERSION };
  const char *codenames[] = { "alioth_global", "alioth_eea_global" };
  const char *words[] = { "global", "eea" };
  g_autoptr(GBytes) body = NULL;
  g_autofree char *yml = NULL;
  guint status = 0;
  g_autofree char *catalog = g_strconcat (base, "/latest.yml", NULL);

  g_assert_true (g_str_has_prefix (base, "http://127.0.0.1:"));
  g_assert_cmpstr (ub_emu_rom_server_get_catalog_url (f->server), ==, catalog);
  body = request (f, "GET", ub_emu_rom_server_get_catalog_url (f->server), NULL, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  yml = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpuint (ub_emu_rom_server_get_request_count (f->server, "/latest.yml"), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autofree char *record = record_of (yml, codenames[i]);
      g_autofree char *link = NULL, *md5 = NULL, *size = NULL, *version = NULL, *method = NULL;
      g_autofree char *branch = NULL, *android = NULL, *date = NULL;
      g_autofree char *file_md5 = NULL;
      g_autofree char *expected_name = NULL;
      g_autofree char *expected_link = NULL;
      g_autofree char *size_text = NULL;
      const char *path = ub_emu_rom_server_get_file_path (f->server, versions[i]);
      g_autofree char *name = NULL;
      GStatBuf st;

      g_assert_nonnull (record);
      g_assert_nonnull (path);
      link = field_of (record, "link");
      md5 = field_of (record, "md5");
      size = field_of (record, "size");
      version = field_of (record, "version");
      method = field_of (record, "method");
      branch = field_of (record, "branch");
      android = field_of (record, "android");
      date = field_of (record, "date");
      g_assert_cmpstr (version, ==, versions[i]);
      g_assert_cmpstr (method, ==, "Fastboot");
      g_assert_cmpstr (branch, ==, "Stable");
      g_assert_cmpstr (android, ==, "'13.0'");
      g_assert_cmpstr (date, ==, "2023-08-15");

      /* the file's MD5 is the catalog's, and its name carries the first 10 digits */
      file_md5 = ub_test_md5_of_file (path);
      g_assert_cmpstr (md5, ==, file_md5);
      name = g_path_get_basename (path);
      expected_name = g_strdup_printf ("%s_images_%s_20230815.0000.00_13.0_%s_%.10s.tgz",
                                       codenames[i], versions[i], words[i], file_md5);
      g_assert_cmpstr (name, ==, expected_name);
      expected_link = g_strdup_printf ("%s/%s/%s", base, versions[i], name);
      g_assert_cmpstr (link, ==, expected_link);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_size, >, 1000 * 1000);
      size_text = g_strdup_printf ("%.1f MB", st.st_size / 1e6);
      g_assert_cmpstr (size, ==, size_text);
      /* in the demo's folder */
      g_assert_true (g_str_has_prefix (path, f->dir));
    }
  /* another phone's row is there too */
  g_assert_nonnull (strstr (yml, "\n  codename: houji_global\n"));
}

/* The .tgz is a real archive: one top folder named as Xiaomi's, the ROM's files in it. */
static void
test_archive (void)
{
  Fixture *f = &shared;
  const char *path = ub_emu_rom_server_get_file_path (f->server, UB_EMU_ROM_SERVER_EEA_VERSION);
  struct archive *a = archive_read_new ();
  struct archive_entry *entry;
  gboolean misc = FALSE, script = FALSE, super = FALSE;
  guint n = 0;
  int r;

  archive_read_support_filter_gzip (a);
  archive_read_support_format_tar (a);
  g_assert_cmpint (archive_read_open_filename (a, path, 1024 * 1024), ==, ARCHIVE_OK);
  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);

      g_assert_true (g_str_has_prefix (name, "alioth_eea_global_images_V14.0.8.0.TKHEUXM_13.0/"));
      n++;
      if (g_str_has_suffix (name, "/misc.txt"))
        {
          char text[256] = { 0 };
          la_ssize_t len = archive_read_data (a, text, sizeof text - 1);
          g_assert_cmpint (len, >, 0);
          g_assert_nonnull (strstr (text, "build_number=V14.0.8.0.TKHEUXM\n"));
          g_assert_nonnull (strstr (text, "device=alioth\n"));
          misc = TRUE;
        }
      script |= g_str_has_suffix (name, "/flash_all.sh");
      super |= g_str_has_suffix (name, "/images/super.img");
    }
  g_assert_cmpint (r, ==, ARCHIVE_EOF);
  g_assert_cmpuint (n, >, 30);
  g_assert_true (misc && script && super);
  archive_read_free (a);
}

static void
test_history (void)
{
  Fixture *f = &shared;
  g_autofree char *url = g_strconcat (ub_emu_rom_server_get_history_url (f->server), "alioth.json", NULL);
  g_autofree char *other = g_strconcat (ub_emu_rom_server_get_history_url (f->server), "houji.json", NULL);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) missing = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *branches;
  guint status = 0;
  g_autofree char *global_name = g_path_get_basename (
    ub_emu_rom_server_get_file_path (f->server, UB_EMU_ROM_SERVER_GLOBAL_VERSION));

  body = request (f, "GET", url, NULL, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "device"), ==, "alioth");
  branches = json_object_get_array_member (root, "branches");
  g_assert_cmpuint (json_array_get_length (branches), ==, 2);
  {
    JsonObject *branch = json_array_get_object_element (branches, 0);
    JsonObject *roms = json_object_get_object_member (branch, "roms");
    JsonObject *rom = json_object_get_object_member (roms, UB_EMU_ROM_SERVER_GLOBAL_VERSION);

    g_assert_cmpstr (json_object_get_string_member (branch, "branchCode"), ==, "alioth_global");
    g_assert_cmpstr (json_object_get_string_member (rom, "fastboot"), ==, global_name);
    g_assert_cmpstr (json_object_get_string_member (rom, "android"), ==, "13.0");
  }
  missing = request (f, "GET", other, NULL, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 404);
}

static void
test_ranges (void)
{
  Fixture *f = &shared;
  const char *path = ub_emu_rom_server_get_file_path (f->server, UB_EMU_ROM_SERVER_GLOBAL_VERSION);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *url = g_strdup_printf ("%s/%s/%s", ub_emu_rom_server_get_base_url (f->server),
                                          UB_EMU_ROM_SERVER_GLOBAL_VERSION, name);
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);
  const char *content = g_mapped_file_get_contents (file);
  gsize size = g_mapped_file_get_length (file);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *range = NULL;
  g_autofree char *etag = NULL;
  goffset start = 0, end = 0, total = 0;
  guint status = 0;

  /* HEAD: the exact size, no body */
  body = request (f, "HEAD", url, NULL, NULL, &status, &headers);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (headers), ==, size);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Accept-Ranges"), ==, "bytes");
  g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
  etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  g_assert_nonnull (etag);
  g_clear_pointer (&headers, soup_message_headers_unref);
  g_clear_pointer (&body, g_bytes_unref);

  /* a range from the middle */
  body = request (f, "GET", url, "Range", "bytes=1000-4999", &status, &headers);
  g_assert_cmpuint (status, ==, 206);
  g_assert_true (soup_message_headers_get_content_range (headers, &start, &end, &total));
  g_assert_cmpint (start, ==, 1000);
  g_assert_cmpint (end, ==, 4999);
  g_assert_cmpint (total, ==, size);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), content + 1000, 4000);
  g_clear_pointer (&headers, soup_message_headers_unref);
  g_clear_pointer (&body, g_bytes_unref);

  /* the rest from an offset (how a download resumes), with the right If-Range */
  range = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", size - 777);
  {
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GError) error = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Range", etag);
    body = soup_session_send_and_read (f->session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 206);
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), content + size - 777, 777);
    g_clear_pointer (&body, g_bytes_unref);
  }

  /* past the end */
  g_free (range);
  range = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", size);
  body = request (f, "GET", url, "Range", range, &status, NULL);
  g_assert_cmpuint (status, ==, 416);
  g_clear_pointer (&body, g_bytes_unref);

  /* a file that is not there; a method that is not served */
  {
    g_autofree char *missing = g_strdup_printf ("%s/%s/nothere.tgz",
                                                ub_emu_rom_server_get_base_url (f->server),
                                                UB_EMU_ROM_SERVER_GLOBAL_VERSION);
    body = request (f, "GET", missing, NULL, NULL, &status, NULL);
    g_assert_cmpuint (status, ==, 404);
    g_clear_pointer (&body, g_bytes_unref);
    body = request (f, "POST", url, NULL, NULL, &status, NULL);
    g_assert_cmpuint (status, ==, 405);
  }
}

/* UbEmuDemo starts its catalog on first use, in its own folder, once. */
static void
test_demo_lazy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuDemo) demo = ub_emu_demo_new (&error);
  g_autofree char *catalog_dir = NULL;
  g_autofree char *dir = NULL;
  const char *catalog, *history, *mirror;

  g_assert_no_error (error);
  dir = g_strdup (ub_emu_demo_get_dir (demo));
  catalog_dir = g_build_filename (dir, "catalog", NULL);
  g_assert_false (g_file_test (catalog_dir, G_FILE_TEST_EXISTS));
  catalog = ub_emu_demo_get_catalog_url (demo, &error);
  g_assert_no_error (error);
  history = ub_emu_demo_get_history_url (demo, &error);
  g_assert_no_error (error);
  mirror = ub_emu_demo_get_mirror_url (demo, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (catalog, "http://127.0.0.1:"));
  g_assert_true (g_str_has_prefix (catalog, mirror));
  g_assert_true (g_str_has_prefix (history, mirror));
  g_assert_true (g_str_has_suffix (catalog, "/latest.yml"));
  g_assert_cmpstr (ub_emu_demo_get_catalog_url (demo, NULL), ==, catalog);
  g_assert_true (g_file_test (catalog_dir, G_FILE_TEST_IS_DIR));
  /* only the two archives are left there */
  {
    g_autoptr(GPtrArray) names = ub_test_list_dir (catalog_dir);
    g_assert_cmpuint (names->len, ==, 2);
  }
  g_clear_object (&demo);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  fixture_set_up (&shared);
  g_test_add_func ("/rom-server/latest", test_latest);
  g_test_add_func ("/rom-server/archive", test_archive);
  g_test_add_func ("/rom-server/history", test_history);
  g_test_add_func ("/rom-server/ranges", test_ranges);
  g_test_add_func ("/rom-server/demo-lazy", test_demo_lazy);
  status = g_test_run ();
  fixture_tear_down (&shared);
  return status;
}
