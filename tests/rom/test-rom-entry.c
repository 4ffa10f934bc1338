/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The archive entry rules (ub-rom-entry.c) on their own: entries made in
 * memory with libarchive, no archive and no disk. */
#include "config.h"

#include <archive_entry.h>
#include <string.h>

#include "ub-rom-archive.h"
#include "ub-rom-entry-private.h"
#include "ub-rom-error.h"

static struct archive_entry *
make_entry (const char *path,
            mode_t      type,
            const char *target)
{
  struct archive_entry *e = archive_entry_new ();

  archive_entry_set_pathname (e, path);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, 0600);
  archive_entry_set_size (e, type == AE_IFREG ? 10 : 0);
  if (type == AE_IFLNK)
    archive_entry_set_symlink (e, target);
  archive_entry_set_uid (e, 1000);
  archive_entry_set_uname (e, "someone");
  return e;
}

static struct archive_entry *
make_hardlink (const char *path,
               const char *target)
{
  struct archive_entry *e = make_entry (path, AE_IFREG, NULL);

  archive_entry_set_hardlink (e, target);
  return e;
}

/* Validates @e (freed) against @set; returns the verdict, *path/ *error as given. */
static UbRomEntryVerdict
check (UbRomEntrySet        *set,
       struct archive_entry *e,
       char                **path,
       GError              **error)
{
  UbRomEntryVerdict v = ub_rom_entry_validate (set, e, path, error);

  archive_entry_free (e);
  return v;
}

static void
assert_write (UbRomEntrySet        *set,
              struct archive_entry *e,
              const char           *want_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpint (check (set, e, &path, &error), ==, UB_ROM_ENTRY_WRITE);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, want_path);
}

static void
assert_refused (UbRomEntrySet        *set,
                struct archive_entry *e,
                const char           *reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpint (check (set, e, &path, &error), ==, UB_ROM_ENTRY_REFUSE);
  g_assert_null (path);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSAFE_PATH);
  if (strstr (error->message, reason) == NULL)
    g_error ("“%s” does not say “%s”", error->message, reason);
}

static void
test_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (UB_ROM_ENTRY_MAX_PATH_BYTES + 1, 'a');
  g_autofree char *max_name = g_strnfill (UB_ROM_ENTRY_MAX_PATH_BYTES, 'a');
  char *norm;

  g_assert_true (ub_rom_entry_check_name ("rom/images/boot.img", "e", &error));
  g_assert_no_error (error);
  g_assert_true (ub_rom_entry_check_name (max_name, "e", &error));
  g_assert_false (ub_rom_entry_check_name (long_name, "e", &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSAFE_PATH);
  g_assert_nonnull (strstr (error->message, "has a name that is too long"));
  g_clear_error (&error);
  g_assert_false (ub_rom_entry_check_name ("a\nb", "e", &error));
  g_assert_nonnull (strstr (error->message, "has control characters in its name"));
  g_clear_error (&error);
  g_assert_false (ub_rom_entry_check_name ("a\xff", "e", &error));
  g_assert_nonnull (strstr (error->message, "has a name that is not valid text"));
  g_clear_error (&error);
  g_assert_false (ub_rom_entry_check_name (NULL, "e", &error));
  g_clear_error (&error);

  norm = ub_rom_entry_normalize_path ("./a//b/./c/", "e", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (norm, ==, "a/b/c");
  g_free (norm);
  norm = ub_rom_entry_normalize_path ("./", "e", &error);
  g_assert_cmpstr (norm, ==, "");
  g_free (norm);
  g_assert_null (ub_rom_entry_normalize_path ("/etc/passwd", "e", &error));
  g_assert_nonnull (strstr (error->message, "has an absolute path"));
  g_clear_error (&error);
  g_assert_null (ub_rom_entry_normalize_path ("a/../../b", "e", &error));
  g_assert_nonnull (strstr (error->message, "leaves its folder"));
  g_clear_error (&error);
  /* ".." is refused even when it would stay inside */
  g_assert_null (ub_rom_entry_normalize_path ("a/b/../c", "e", &error));
  g_clear_error (&error);

  norm = ub_rom_entry_display_name ("bad\x01name\xff");
  g_assert_true (g_utf8_validate (norm, -1, NULL));
  g_assert_null (strchr (norm, '\x01'));
  g_assert_true (g_str_has_prefix (norm, "bad?name"));
  g_free (norm);
}

static void
test_types (void)
{
  g_autoptr(UbRomEntrySet) set = ub_rom_entry_set_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (check (set, make_entry ("./", AE_IFDIR, NULL), NULL, &error), ==, UB_ROM_ENTRY_SKIP);
  g_assert_no_error (error);
  assert_write (set, make_entry ("rom/", AE_IFDIR, NULL), "rom");
  assert_write (set, make_entry ("rom/images/boot.img", AE_IFREG, NULL), "rom/images/boot.img");
  assert_refused (set, make_entry ("rom/dev", AE_IFCHR, NULL), "is a device, pipe or socket");
  assert_refused (set, make_entry ("rom/fifo", AE_IFIFO, NULL), "is a device, pipe or socket");
  assert_refused (set, make_entry ("rom/sock", AE_IFSOCK, NULL), "is a device, pipe or socket");
  assert_refused (set, make_entry ("./", AE_IFREG, NULL), "has no name");
  assert_refused (set, make_entry (UB_ROM_ARCHIVE_MARKER, AE_IFREG, NULL),
                  "uses a name reserved by Unbrick");
  /* a kind changed: folder → file, file → folder, file below a file */
  assert_refused (set, make_entry ("rom", AE_IFREG, NULL), "replaces an earlier entry of another kind");
  assert_refused (set, make_entry ("rom/images/boot.img/", AE_IFDIR, NULL),
                  "replaces an earlier entry of another kind");
  assert_refused (set, make_entry ("rom/images/boot.img/x", AE_IFREG, NULL),
                  "replaces an earlier entry of another kind");
  /* the same file twice is allowed (tar appends) */
  assert_write (set, make_entry ("rom/images/boot.img", AE_IFREG, NULL), "rom/images/boot.img");
}

static void
test_sanitized (void)
{
  g_autoptr(UbRomEntrySet) set = ub_rom_entry_set_new ();
  g_autoptr(GError) error = NULL;
  struct archive_entry *e = make_entry ("./rom//flash_all.sh", AE_IFREG, NULL);
  struct archive_entry *d = make_entry ("rom/images", AE_IFDIR, NULL);

  archive_entry_set_perm (e, 04711);
  g_assert_cmpint (ub_rom_entry_validate (set, e, NULL, &error), ==, UB_ROM_ENTRY_WRITE);
  g_assert_cmpstr (archive_entry_pathname (e), ==, "rom/flash_all.sh");
  g_assert_cmpint (archive_entry_perm (e), ==, 0755);
  g_assert_cmpint (archive_entry_uid (e), ==, 0);
  g_assert_null (archive_entry_uname (e));
  archive_entry_set_perm (e, 0640);
  archive_entry_set_pathname (e, "rom/misc.txt");
  g_assert_cmpint (ub_rom_entry_validate (set, e, NULL, &error), ==, UB_ROM_ENTRY_WRITE);
  g_assert_cmpint (archive_entry_perm (e), ==, 0644);
  archive_entry_set_perm (d, 0700);
  g_assert_cmpint (ub_rom_entry_validate (set, d, NULL, &error), ==, UB_ROM_ENTRY_WRITE);
  g_assert_cmpint (archive_entry_perm (d), ==, 0755);
  g_assert_no_error (error);
  archive_entry_free (e);
  archive_entry_free (d);
}

static void
test_links (void)
{
  g_autoptr(UbRomEntrySet) set = ub_rom_entry_set_new ();

  assert_write (set, make_entry ("rom/images/a.img", AE_IFREG, NULL), "rom/images/a.img");
  assert_write (set, make_entry ("rom/images/b.img", AE_IFLNK, "a.img"), "rom/images/b.img");
  assert_write (set, make_entry ("rom/up", AE_IFLNK, "images/../images/a.img"), "rom/up");
  assert_refused (set, make_entry ("rom/out", AE_IFLNK, "../../etc/passwd"),
                  "is a link pointing outside the archive");
  assert_refused (set, make_entry ("rom/abs", AE_IFLNK, "/etc/passwd"),
                  "is a link pointing outside the archive");
  assert_refused (set, make_entry ("rom/empty", AE_IFLNK, ""), "is a link to nothing");
  assert_refused (set, make_entry ("rom/via", AE_IFLNK, "images/b.img"),
                  "is a link that goes through another link");
  /* a file does not become a link */
  assert_refused (set, make_entry ("rom/images/a.img", AE_IFLNK, "x"),
                  "replaces an earlier entry of another kind");
  assert_write (set, make_entry ("rom/images/c.img", AE_IFREG, NULL), "rom/images/c.img");
  assert_write (set, make_entry ("rom/d", AE_IFLNK, "images/new"), "rom/d");
  assert_refused (set, make_entry ("rom/images/new", AE_IFLNK, "c.img"),
                  "is a link where an earlier link points through");
  /* nothing is written through a link */
  assert_write (set, make_entry ("rom/dir", AE_IFLNK, "images"), "rom/dir");
  assert_refused (set, make_entry ("rom/dir/x.img", AE_IFREG, NULL), "would be written through a link");
  /* a link is never replaced, not even by a link */
  assert_refused (set, make_entry ("rom/dir", AE_IFLNK, "images"), "replaces an earlier entry of another kind");

  /* hard links: only to an earlier file, by its normalized name */
  assert_write (set, make_hardlink ("rom/h.img", "./rom/images/a.img"), "rom/h.img");
  assert_refused (set, make_hardlink ("rom/h2.img", "rom/images/later.img"), "is a hard link to");
  assert_refused (set, make_hardlink ("rom/h3.img", "/etc/shadow"), "is a hard link to");
  assert_refused (set, make_hardlink ("rom/h4.img", "../x"), "is a hard link to");
  assert_refused (set, make_hardlink ("rom/h5.img", "rom/images"), "is a hard link to");
  assert_refused (set, make_hardlink ("rom/h6.img", "rom/dir/a.img"), "is a hard link to");
  assert_refused (set, make_hardlink ("rom/h7.img", "rom/images/b.img"), "is a hard link to");
}

static void
test_too_many (void)
{
  g_autoptr(UbRomEntrySet) set = ub_rom_entry_set_new ();
  g_autoptr(GError) error = NULL;
  struct archive_entry *e = make_entry ("x", AE_IFREG, NULL);

  for (guint i = 0; i < UB_ROM_ENTRY_MAX_ENTRIES; i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "f%u", i);
      archive_entry_set_pathname (e, name);
      g_assert_cmpint (ub_rom_entry_validate (set, e, NULL, &error), ==, UB_ROM_ENTRY_WRITE);
    }
  archive_entry_set_pathname (e, "one-more");
  g_assert_cmpint (ub_rom_entry_validate (set, e, NULL, &error), ==, UB_ROM_ENTRY_REFUSE);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
  archive_entry_free (e);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rom-entry/names", test_names);
  g_test_add_func ("/rom-entry/types", test_types);
  g_test_add_func ("/rom-entry/sanitized", test_sanitized);
  g_test_add_func ("/rom-entry/links", test_links);
  g_test_add_func ("/rom-entry/too-many", test_too_many);
  return g_test_run ();
}
