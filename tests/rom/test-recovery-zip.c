/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ub_recovery_zip_check: a whole ZIP (hand-made, and one written by
 * libarchive with data descriptors and a deflated entry) passes; a fastboot
 * .tgz, other files, an empty file and every cut-off or tail-damaged copy of
 * a ZIP are refused with their own message; a missing file is an I/O error.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "ub-recovery-zip.h"
#include "ub-rom-error.h"
#include "ub-test-utils.h"

typedef struct {
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = ub_test_make_tmp_dir ("ub-recovery-zip-XXXXXX");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  ub_test_rm_rf (f->dir);
  g_free (f->dir);
}

static gboolean
check_bytes (Fixture *f, const void *data, gsize len, GError **error)
{
  g_autofree char *path = ub_test_write_file (f->dir, "file.zip", data, len);

  return ub_recovery_zip_check (path, NULL, error);
}

static void
test_whole (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) zip = ub_test_zip_bytes (100 * 1024, 3);
  g_autoptr(GError) error = NULL;

  g_assert_true (check_bytes (f, g_bytes_get_data (zip, NULL), g_bytes_get_size (zip), &error));
  g_assert_no_error (error);
}

/* as a ROM build tool writes it: deflate, data descriptors, several entries */
static void
test_libarchive_zip (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "update.zip", NULL);
  g_autoptr(GBytes) payload = ub_test_random_bytes (300 * 1024, 5);
  const char *names[] = { "META-INF/com/android/metadata", "payload.bin" };
  struct archive *a = archive_write_new ();

  g_assert_cmpint (archive_write_set_format_zip (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      struct archive_entry *entry = archive_entry_new ();
      gsize len = i == 0 ? 5 : g_bytes_get_size (payload);

      archive_entry_set_pathname (entry, names[i]);
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_perm (entry, 0644);
      archive_entry_set_size (entry, (la_int64_t) len);
      g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
      g_assert_cmpint (archive_write_data (a, i == 0 ? "ota=1" : g_bytes_get_data (payload, NULL), len),
                       ==, (la_ssize_t) len);
      archive_entry_free (entry);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);

  g_assert_true (ub_recovery_zip_check (path, NULL, &error));
  g_assert_no_error (error);
}

static void
test_fastboot_rom (Fixture *f, gconstpointer data)
{
  static const guint8 gzip[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3 };
  g_autoptr(GError) error = NULL;

  g_assert_false (check_bytes (f, gzip, sizeof gzip, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM);
  g_assert_cmpstr (error->message, ==,
                   "This is a fastboot ROM (a .tgz file), for phones whose bootloader is unlocked. "
                   "The phone’s recovery installs only a recovery ROM, a .zip file: choose one from "
                   "Xiaomi’s list.");
}

static void
test_not_a_zip (Fixture *f, gconstpointer data)
{
  const char *const inputs[] = { "", "P", "PK", "PK\003", "ANDROID!", "PK\005\006 an empty zip" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (check_bytes (f, inputs[i], strlen (inputs[i]), &error));
      g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM);
      g_assert_true (g_str_has_prefix (error->message, "This is not a recovery ROM: a recovery ROM is a .zip file."));
    }
}

/* every cut of the tail (the central directory and its end record) and a
 * damaged end record: incomplete or damaged, never passed */
static void
test_cut_off (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) zip = ub_test_zip_bytes (4096, 9);
  const guint8 *bytes = g_bytes_get_data (zip, NULL);
  gsize size = g_bytes_get_size (zip);

  for (gsize cut = 1; cut <= 200; cut++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (check_bytes (f, bytes, size - cut, &error));
      g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
      g_assert_true (g_str_has_prefix (error->message, "This .zip file is incomplete or damaged ("));
      g_assert_true (g_str_has_suffix (error->message, "). Download it again."));
    }
  {
    g_autoptr(GError) error = NULL;
    g_autofree guint8 *copy = g_memdup2 (bytes, size);

    /* the end record's signature */
    copy[size - 22] ^= 0xff;
    g_assert_false (check_bytes (f, copy, size, &error));
    g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
  }
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "gone.zip", NULL);

  g_assert_false (ub_recovery_zip_check (path, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/recovery-zip/whole", test_whole);
  ADD ("/recovery-zip/libarchive", test_libarchive_zip);
  ADD ("/recovery-zip/fastboot-rom", test_fastboot_rom);
  ADD ("/recovery-zip/not-a-zip", test_not_a_zip);
  ADD ("/recovery-zip/cut-off", test_cut_off);
  ADD ("/recovery-zip/missing", test_missing);
#undef ADD
  return g_test_run ();
}
