/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ub_vbmeta_set_flags() and images sent with the AVB flags set (--disable-verity …). */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "ub-fastboot-error.h"
#include "ub-sparse-image.h"
#include "ub-vbmeta.h"

/* A vbmeta image as avbtool makes one: "AVB0", version, sizes…, flags at 120. */
static guint8 *
make_vbmeta (gsize   size,
             guint32 flags)
{
  guint8 *data = g_malloc0 (size);

  memcpy (data, "AVB0", 4);
  data[7] = 1;    /* required_libavb_version_major */
  for (gsize i = 128; i < size; i++)
    data[i] = (guint8) (i * 7);
  data[120] = flags >> 24;
  data[121] = flags >> 16;
  data[122] = flags >> 8;
  data[123] = flags;
  return data;
}

static void
test_set_flags (void)
{
  struct { guint flags; guint8 byte123; } cases[] = {
    { UB_VBMETA_FLAG_DISABLE_VERITY, 0x01 },
    { UB_VBMETA_FLAG_DISABLE_VERIFICATION, 0x02 },
    { UB_VBMETA_FLAG_DISABLE_VERITY | UB_VBMETA_FLAG_DISABLE_VERIFICATION, 0x03 },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *data = make_vbmeta (4096, 0);
      g_autofree guint8 *want = make_vbmeta (4096, 0);

      g_assert_true (ub_vbmeta_set_flags (data, 4096, cases[c].flags, &error));
      g_assert_no_error (error);
      want[123] = cases[c].byte123;
      g_assert_cmpmem (data, 4096, want, 4096);
      g_assert_cmpuint (ub_vbmeta_get_flags (data, 4096), ==, cases[c].byte123);
    }
}

static void
test_flags_ored (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = make_vbmeta (UB_VBMETA_HEADER_SIZE, 0x80000001);

  g_assert_true (ub_vbmeta_set_flags (data, UB_VBMETA_HEADER_SIZE,
                                      UB_VBMETA_FLAG_DISABLE_VERIFICATION, &error));
  g_assert_no_error (error);
  g_assert_cmphex (ub_vbmeta_get_flags (data, UB_VBMETA_HEADER_SIZE), ==, 0x80000003);
  /* again: nothing changes */
  g_assert_true (ub_vbmeta_set_flags (data, UB_VBMETA_HEADER_SIZE, UB_VBMETA_FLAGS_ALL, &error));
  g_assert_cmphex (ub_vbmeta_get_flags (data, UB_VBMETA_HEADER_SIZE), ==, 0x80000003);
}

static void
test_not_vbmeta (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = make_vbmeta (4096, 0);
  g_autofree guint8 *copy = NULL;

  memcpy (data, "AVBf", 4);   /* the footer magic, not a vbmeta header */
  copy = g_memdup2 (data, 4096);
  g_assert_false (ub_vbmeta_set_flags (data, 4096, UB_VBMETA_FLAGS_ALL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE);
  g_assert_cmpstr (error->message, ==,
                   "The file is not a vbmeta image: it does not start with “AVB0”.");
  g_assert_cmpmem (data, 4096, copy, 4096);
}

static void
test_too_short (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = make_vbmeta (UB_VBMETA_HEADER_SIZE, 0);

  g_assert_false (ub_vbmeta_set_flags (data, UB_VBMETA_HEADER_SIZE - 1, UB_VBMETA_FLAGS_ALL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE);
  g_assert_cmpstr (error->message, ==, "The file is not a vbmeta image: it is 255 bytes long, "
                   "shorter than a vbmeta header (256 bytes).");
  g_assert_cmpuint (data[123], ==, 0);
  g_clear_error (&error);
  g_assert_false (ub_vbmeta_set_flags (NULL, 0, UB_VBMETA_FLAGS_ALL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE);
}

static void
test_partitions_and_options (void)
{
  g_assert_true (ub_vbmeta_partition_takes_flags ("vbmeta"));
  g_assert_true (ub_vbmeta_partition_takes_flags ("vbmeta_a"));
  g_assert_true (ub_vbmeta_partition_takes_flags ("vbmeta_b"));
  g_assert_false (ub_vbmeta_partition_takes_flags ("vbmeta_ab"));
  g_assert_false (ub_vbmeta_partition_takes_flags ("vbmeta_system"));
  g_assert_false (ub_vbmeta_partition_takes_flags ("vbmeta_system_a"));
  g_assert_true (ub_vbmeta_partition_is_boot ("boot_b"));
  g_assert_false (ub_vbmeta_partition_is_boot ("vendor_boot"));
  g_assert_cmpuint (ub_vbmeta_flag_from_option ("--disable-verity"), ==, 1);
  g_assert_cmpuint (ub_vbmeta_flag_from_option ("--disable-verification"), ==, 2);
  g_assert_cmpuint (ub_vbmeta_flag_from_option ("--disable-verity=1"), ==, 0);
  g_assert_cmpstr (ub_vbmeta_flags_to_options (3), ==, "--disable-verity --disable-verification");
  g_assert_cmpstr (ub_vbmeta_flags_to_options (0), ==, "");
}

static char *
write_temp (const char *name,
            const void *data,
            gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ub-vbmeta-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
  return path;
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_unlink (path);
  g_rmdir (dir);
}

static GBytes *
read_piece (UbSparseImage *image)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in = ub_sparse_image_open_piece (image, 0, &error);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_no_error (error);
  g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_image_sent_modified (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = make_vbmeta (8192, 0);
  g_autofree char *path = write_temp ("vbmeta.img", data, 8192);
  g_autoptr(UbSparseImage) image = ub_sparse_image_new_from_path (path, &error);
  g_autoptr(GBytes) sent = NULL;
  g_autofree char *on_disk = NULL;
  gsize len;

  g_assert_no_error (error);
  g_assert_true (ub_sparse_image_set_vbmeta_flags (image, UB_VBMETA_FLAG_DISABLE_VERITY, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ub_sparse_image_get_vbmeta_flags (image), ==, 1);
  /* the MD5 of the bytes read, before the flags: what a check verified */
  {
    g_autofree char *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, data, 8192);
    g_assert_cmpstr (ub_sparse_image_get_vbmeta_source_md5 (image), ==, md5);
  }
  g_assert_true (ub_sparse_image_split (image, 128 * 1024 * 1024, NULL, &error));
  g_assert_cmpuint (ub_sparse_image_get_n_pieces (image), ==, 1);
  g_assert_cmpuint (ub_sparse_image_get_piece_size (image, 0), ==, 8192);
  sent = read_piece (image);
  data[123] = 0x01;
  g_assert_cmpmem (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent), data, 8192);
  /* the file itself is unchanged */
  g_file_get_contents (path, &on_disk, &len, &error);
  g_assert_cmpuint (len, ==, 8192);
  g_assert_cmpuint ((guint8) on_disk[123], ==, 0);
  /* a limit below the size: AOSP would resparse the unchanged file; refused */
  g_assert_false (ub_sparse_image_split (image, 4096, NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT);
  remove_temp (path);
}

static void
test_image_refusals (void)
{
  static const guint8 sparse_header[28] = { 0x3a, 0xff, 0x26, 0xed, 1, 0, 0, 0, 28, 0, 12, 0,
                                             0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *sparse = write_temp ("sparse.img", sparse_header, sizeof sparse_header);
  g_autofree char *text = write_temp ("text.img", "hello, this is not an image\n", 28);
  g_autofree char *big = write_temp ("big.img", "AVB0", 4);
  g_autoptr(UbSparseImage) image = NULL;

  image = ub_sparse_image_new_from_path (sparse, &error);
  g_assert_no_error (error);
  g_assert_true (ub_sparse_image_is_sparse (image));
  g_assert_false (ub_sparse_image_set_vbmeta_flags (image, 3, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE);
  g_assert_cmpstr (error->message, ==, "The file is not a vbmeta image: it is a sparse image.");
  g_clear_error (&error);
  g_clear_object (&image);

  image = ub_sparse_image_new_from_path (text, &error);
  g_assert_false (ub_sparse_image_set_vbmeta_flags (image, 3, &error));
  g_assert_cmpstr (error->message, ==, "The file is not a vbmeta image: it is 28 bytes long, "
                   "shorter than a vbmeta header (256 bytes).");
  g_assert_cmpuint (ub_sparse_image_get_vbmeta_flags (image), ==, 0);
  g_clear_error (&error);
  g_clear_object (&image);

  /* 1 MiB is read (libavb reads at most 64 KiB of a vbmeta), 1 MiB + 1 is not */
  g_assert_cmpuint (UB_VBMETA_MAX_SIZE, ==, 1024 * 1024);
  g_assert_cmpint (truncate (big, UB_VBMETA_MAX_SIZE), ==, 0);
  image = ub_sparse_image_new_from_path (big, &error);
  g_assert_true (ub_sparse_image_set_vbmeta_flags (image, 3, &error));
  g_assert_no_error (error);
  g_clear_object (&image);
  g_assert_cmpint (truncate (big, UB_VBMETA_MAX_SIZE + 1), ==, 0);
  image = ub_sparse_image_new_from_path (big, &error);
  g_assert_false (ub_sparse_image_set_vbmeta_flags (image, 3, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE);
  g_assert_cmpstr (error->message, ==, "The file is not a vbmeta image: it is too large "
                   "(1.0\u00a0MB).");
  g_assert_null (ub_sparse_image_get_vbmeta_source_md5 (image));

  remove_temp (sparse);
  remove_temp (text);
  remove_temp (big);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vbmeta/set-flags", test_set_flags);
  g_test_add_func ("/vbmeta/flags-ored", test_flags_ored);
  g_test_add_func ("/vbmeta/not-vbmeta", test_not_vbmeta);
  g_test_add_func ("/vbmeta/too-short", test_too_short);
  g_test_add_func ("/vbmeta/partitions-options", test_partitions_and_options);
  g_test_add_func ("/vbmeta/image-sent-modified", test_image_sent_modified);
  g_test_add_func ("/vbmeta/image-refusals", test_image_refusals);
  return g_test_run ();
}
