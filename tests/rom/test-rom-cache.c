/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ROM cache's prune policy, with real files in a temporary folder: the
 * size budget, the most recent kept, what is in use never removed. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ub-rom-archive.h"

#include "ub-test-utils.h"

#define MB (1000 * 1000)

static char *
make_cache (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("ub-rom-cache-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* A complete unpack "<name>-1" of @bytes (real data), last used at @when (seconds). */
static char *
add_unpack (const char *cache,
            const char *name,
            gsize       bytes,
            gint64      when)
{
  g_autofree char *key = g_strdup_printf ("%s-1", name);
  char *dir = g_build_filename (cache, key, NULL);
  g_autofree char *data_path = g_build_filename (dir, "image.img", NULL);
  g_autofree char *marker = g_build_filename (dir, UB_ROM_ARCHIVE_MARKER, NULL);
  g_autofree guint8 *data = g_malloc (bytes);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *md5 = NULL;
  const char *paths[] = { "image.img", NULL };
  const char *md5s[] = { NULL, NULL };
  struct timespec times[2] = { { when, 0 }, { when, 0 } };
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < bytes; i++)
    data[i] = (guint8) (i * 7 + 1);
  md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, data, bytes);
  md5s[0] = md5;
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (data_path, (const char *) data, bytes, &error));
  g_key_file_set_integer (kf, "unpack", "version", 1);
  g_key_file_set_string (kf, "unpack", "name", key);
  g_key_file_set_string_list (kf, "files", "paths", paths, 1);
  g_key_file_set_string_list (kf, "files", "md5", md5s, 1);
  g_key_file_set_boolean (kf, "unpack", "complete", TRUE);
  g_assert_true (g_key_file_save_to_file (kf, marker, &error));
  g_assert_cmpint (utimensat (AT_FDCWD, marker, times, 0), ==, 0);
  return dir;
}

static gboolean
exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_DIR);
}

/* Within the budget the newest are kept; once one does not fit, none older is. */
static void
test_budget (void)
{
  g_autofree char *cache = make_cache ();
  g_autofree char *a = add_unpack (cache, "a", 1 * MB, 1700000400);   /* newest */
  g_autofree char *b = add_unpack (cache, "b", 1 * MB, 1700000300);
  g_autofree char *c = add_unpack (cache, "c", 1 * MB, 1700000200);
  g_autofree char *d = add_unpack (cache, "d", 1 * MB, 1700000100);
  g_autoptr(GError) error = NULL;
  guint64 before = ub_rom_archive_get_cache_size (cache);

  g_assert_cmpuint (before, >=, 4 * MB);
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 100 * MB, &error));
  g_assert_no_error (error);
  g_assert_true (exists (a) && exists (b) && exists (c) && exists (d));

  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 2.5 * MB, &error));
  g_assert_no_error (error);
  g_assert_true (exists (a));
  g_assert_true (exists (b));
  g_assert_false (exists (c));
  g_assert_false (exists (d));
  g_assert_cmpuint (ub_rom_archive_get_cache_size (cache), <, before);
  g_assert_cmpuint (ub_rom_archive_get_cache_size (cache), <=, 2.5 * MB);
  ub_test_rm_rf (cache);
}

/* A big newer one that does not fit goes, and so does every older one. */
static void
test_most_recent_kept (void)
{
  g_autofree char *cache = make_cache ();
  g_autofree char *a = add_unpack (cache, "a", 1 * MB, 1700000400);
  g_autofree char *b = add_unpack (cache, "b", 3 * MB, 1700000300);
  g_autofree char *c = add_unpack (cache, "c", MB / 2, 1700000200);
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 2 * MB, &error));
  g_assert_no_error (error);
  g_assert_true (exists (a));
  g_assert_false (exists (b));
  g_assert_false (exists (c));

  /* the newest alone over the budget: not in use, so it goes too */
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, MB / 2, &error));
  g_assert_false (exists (a));
  g_assert_cmpuint (ub_rom_archive_get_cache_size (cache), <, MB / 10);
  ub_test_rm_rf (cache);
}

/* An unpack someone holds (a shared lock on its folder, from any process) stays. */
static void
test_in_use_never_removed (void)
{
  g_autofree char *cache = make_cache ();
  g_autofree char *a = add_unpack (cache, "a", 1 * MB, 1700000400);
  g_autofree char *old = add_unpack (cache, "old", 2 * MB, 1700000100);
  g_autoptr(GError) error = NULL;
  int fd = open (old, O_RDONLY | O_DIRECTORY);

  g_assert_cmpint (flock (fd, LOCK_SH), ==, 0);
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 0, &error));
  g_assert_no_error (error);
  g_assert_false (exists (a));
  g_assert_true (exists (old));
  close (fd);
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 0, &error));
  g_assert_false (exists (old));
  ub_test_rm_rf (cache);
}

static void
write_tgz (const char *path,
           const char *top,
           gsize       bytes)
{
  struct archive *a = archive_write_new ();
  struct archive_entry *e = archive_entry_new ();
  g_autofree char *name = g_strdup_printf ("%s/images/super.img", top);
  g_autofree guint8 *data = g_malloc (bytes);

  for (gsize i = 0; i < bytes; i++)
    data[i] = (guint8) g_random_int ();   /* does not compress */
  archive_write_set_format_pax_restricted (a);
  archive_write_add_filter_gzip (a);
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, bytes);
  g_assert_cmpint (archive_write_header (a, e), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_data (a, data, bytes), ==, (la_ssize_t) bytes);
  archive_entry_free (e);
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
}

/* Real unpacks: each prunes the cache to the budget after it succeeds, and
 * an unpack stays in use while a UbRomArchive of it lives (two windows, two
 * phones: each its own object), whatever the budget. */
static void
test_unpack_prunes_and_holds (void)
{
  g_autofree char *dir = make_cache ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *tgz1 = g_build_filename (dir, "one.tgz", NULL);
  g_autofree char *tgz2 = g_build_filename (dir, "two.tgz", NULL);
  g_autofree char *out1 = NULL;
  g_autofree char *out1_again = NULL;
  g_autofree char *out2 = NULL;
  g_autoptr(GError) error = NULL;
  UbRomArchive *first, *second, *other;

  write_tgz (tgz1, "one", 2 * MB);
  write_tgz (tgz2, "two", 2 * MB);
  ub_rom_archive_set_cache_limit (3 * MB);
  g_assert_cmpuint (ub_rom_archive_get_cache_limit (), ==, 3 * MB);

  first = ub_rom_archive_new (tgz1, cache);
  out1 = ub_rom_archive_unpack (first, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  second = ub_rom_archive_new (tgz1, cache);   /* the same ROM opened again */
  out1_again = ub_rom_archive_unpack (second, NULL, NULL, NULL, &error);
  g_assert_cmpstr (out1_again, ==, out1);

  /* two does not fit beside one, but one is in use: both stay */
  other = ub_rom_archive_new (tgz2, cache);
  g_usleep (20 * 1000);   /* a later last use */
  out2 = ub_rom_archive_unpack (other, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (exists (out1));
  g_assert_true (exists (out2));
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 0, &error));
  g_assert_true (exists (out1));
  g_assert_true (exists (out2));

  /* one window closes: one is still open in the other */
  g_object_unref (first);
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 3 * MB, &error));
  g_assert_true (exists (out1));
  /* both closed: one is older than two and does not fit beside it */
  g_object_unref (second);
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 3 * MB, &error));
  g_assert_no_error (error);
  g_assert_false (exists (out1));
  g_assert_true (exists (out2));

  /* clearing keeps only what is in use */
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 0, &error));
  g_assert_true (exists (out2));
  g_object_unref (other);
  g_assert_true (ub_rom_archive_prune_cache_to_size (cache, 0, &error));
  g_assert_false (exists (out2));
  g_assert_cmpuint (ub_rom_archive_get_cache_size (cache), <, 100 * 1000);

  ub_rom_archive_set_cache_limit (UB_ROM_ARCHIVE_DEFAULT_CACHE_LIMIT);
  ub_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rom-cache/budget", test_budget);
  g_test_add_func ("/rom-cache/most-recent-kept", test_most_recent_kept);
  g_test_add_func ("/rom-cache/in-use-never-removed", test_in_use_never_removed);
  g_test_add_func ("/rom-cache/unpack-prunes-and-holds", test_unpack_prunes_and_holds);
  return g_test_run ();
}
