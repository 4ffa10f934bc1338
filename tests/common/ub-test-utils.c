/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <zlib.h>
#include <sys/resource.h>

#include "ub-file.h"
#include "ub-test-utils.h"

char *
ub_test_make_tmp_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

void
ub_test_rm_rf (const char *path)
{
  ub_file_remove_tree (path, NULL);
}

char *
ub_test_write_file (const char *dir,
                    const char *name,
                    const char *data,
                    gssize      len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

char *
ub_test_fixture_path (const char *path)
{
  const char *fixtures = g_getenv ("UB_FIXTURES_DIR");

  return fixtures != NULL ? g_build_filename (fixtures, path, NULL) : NULL;
}

char *
ub_test_md5_of_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  /* not ub_file_hash: the tests check what the code computes against this */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guint8 *) contents, len);
}

GPtrArray *
ub_test_list_dir (const char *path)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

GBytes *
ub_test_random_bytes (gsize   size,
                      guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (size);

  /* four bytes per call: large images are made fast */
  for (gsize i = 0; i + 4 <= size; i += 4)
    {
      guint32 v = g_rand_int (rand);
      memcpy (data + i, &v, 4);
    }
  for (gsize i = size - size % 4; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  return g_bytes_new_take (data, size);
}

static guint8 *
put_le (guint8 *p, guint64 value, guint n)
{
  /* little-endian; bytes past the 8 of @value are zero */
  for (guint i = 0; i < n; i++)
    *p++ = i < 8 ? (guint8) (value >> (8 * i)) : 0;
  return p;
}

/* A stored entry's fields shared by its local and central headers: flags,
 * method 0, 1980-01-01 00:00, CRC-32, sizes, name length, no extra field. */
static guint8 *
put_entry_fields (guint8 *p, guint32 crc, gsize len, gsize name_len)
{
  p = put_le (p, 0, 2 + 2 + 2);
  p = put_le (p, 0x21, 2);
  p = put_le (p, crc, 4);
  p = put_le (p, len, 4);
  p = put_le (p, len, 4);
  p = put_le (p, name_len, 2);
  return put_le (p, 0, 2);
}

GBytes *
ub_test_zip_bytes (gsize   size,
                   guint32 seed)
{
  static const char name[] = "payload.bin";
  const gsize name_len = sizeof name - 1;
  const gsize local = 30 + name_len;
  const gsize central = 46 + name_len;
  gsize data_len;
  g_autoptr(GBytes) data = NULL;
  guint8 *zip;
  guint8 *p;
  guint32 crc;

  g_assert_cmpuint (size, >, local + central + 22);
  g_assert_cmpuint (size, <, G_MAXUINT32);
  data_len = size - local - central - 22;
  data = ub_test_random_bytes (data_len, seed);
  crc = (guint32) crc32 (0, g_bytes_get_data (data, NULL), (uInt) data_len);
  zip = g_malloc (size);

  /* local file header, then the central directory's one entry */
  p = put_le (zip, 0x04034b50, 4);
  p = put_le (p, 20, 2);
  p = put_entry_fields (p, crc, data_len, name_len);
  memcpy (p, name, name_len);
  p += name_len;
  memcpy (p, g_bytes_get_data (data, NULL), data_len);
  p += data_len;
  p = put_le (p, 0x02014b50, 4);
  p = put_le (p, 20, 2);
  p = put_le (p, 20, 2);
  p = put_entry_fields (p, crc, data_len, name_len);
  p = put_le (p, 0, 2 + 2 + 2 + 4 + 4);   /* comment, disk, attributes, local header at 0 */
  memcpy (p, name, name_len);
  p += name_len;
  /* end of central directory */
  p = put_le (p, 0x06054b50, 4);
  p = put_le (p, 0, 2);
  p = put_le (p, 0, 2);
  p = put_le (p, 1, 2);
  p = put_le (p, 1, 2);
  p = put_le (p, central, 4);
  p = put_le (p, local + data_len, 4);
  p = put_le (p, 0, 2);
  g_assert_true (p == zip + size);
  return g_bytes_new_take (zip, size);
}

double
ub_test_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
