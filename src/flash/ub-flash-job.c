/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-advice.h"
#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-flash-job.h"
#include "ub-resume-point.h"
#include "ub-rom-error.h"

#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)
#define RECONNECT_TIMEOUT_S  90u
/* the reboot sent after a lock, to a phone that has most likely gone already */
#define LOCK_REBOOT_TIMEOUT_MS 5000
/* the slowest writes seen on phones, for the reply timeout after a data phase */
#define SLOW_WRITE_BYTES_PER_S (2 * 1024 * 1024)

G_DEFINE_BOXED_TYPE (UbFlashProgress, ub_flash_progress, ub_flash_progress_copy, ub_flash_progress_free)

UbFlashProgress *
ub_flash_progress_copy (const UbFlashProgress *progress)
{
  return g_memdup2 (progress, sizeof *progress);
}

void
ub_flash_progress_free (UbFlashProgress *progress)
{
  g_free (progress);
}

/* ---- events from the worker to the main context ------------------------- */

typedef enum {
  EVENT_STEP_STARTED,
  EVENT_STEP_FINISHED,
  EVENT_PROGRESS,
  EVENT_DEVICE_MESSAGE,
  EVENT_LOG,
  EVENT_FINISHED,
} EventKind;

typedef struct {
  EventKind        kind;
  guint            index;
  char            *text;
  UbFlashProgress  progress;
  /* FINISHED */
  UbFlashJobState  state;
  GError          *error;
  char            *next_step;
  char            *phone_state;
  guint            failed_step;
  guint            resume_step;
  gboolean         locked;
  gboolean         attention;
} Event;

static void
event_free (Event *event)
{
  g_free (event->text);
  g_clear_error (&event->error);
  g_free (event->next_step);
  g_free (event->phone_state);
  g_free (event);
}

struct _UbFlashJob
{
  GObject          parent_instance;
  UbFlashPlan     *plan;
  char            *address;
  UbProgress      *progress;   /* the bytes, the rate, the time left; carries the events */
  gboolean         lock_confirmed;
  guint            first_step;
  guint            short_ms, long_ms, stall_ms;

  /* main thread */
  UbFlashJobState  state;
  GError          *error;
  char            *next_step;
  char            *phone_state;
  guint            failed_step;
  guint            resume_step;
  gboolean         locked;
  gboolean         attention;
  GThread         *thread;
  GCancellable    *stop;       /* soft: at the next safe point */
  GCancellable    *abort;      /* hard: now */
  gint64           started;
  double           elapsed;

  /* worker only */
  UbFastbootClient *client;
  guint             current;
  guint64           current_base;  /* bytes of the steps before it */
  guint64           total;
  gint64            last_progress;
  UbProgress       *step_progress;  /* the running step's part of progress */
  guint             destructive_done;
};

enum {
  SIGNAL_STEP_STARTED,
  SIGNAL_STEP_FINISHED,
  SIGNAL_PROGRESS,
  SIGNAL_DEVICE_MESSAGE,
  SIGNAL_LOG,
  SIGNAL_FINISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

enum { PROP_0, PROP_STATE, N_PROPS };
static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (UbFlashJob, ub_flash_job, G_TYPE_OBJECT)

static void dispatch (UbProgress *progress, const char *kind, GVariant *data, UbFlashJob *self);

static void
ub_flash_job_finalize (GObject *object)
{
  UbFlashJob *self = UB_FLASH_JOB (object);

  g_assert (self->thread == NULL);
  g_clear_object (&self->plan);
  g_free (self->address);
  g_clear_error (&self->error);
  g_free (self->next_step);
  g_free (self->phone_state);
  g_clear_object (&self->stop);
  g_clear_object (&self->abort);
  g_clear_object (&self->progress);
  G_OBJECT_CLASS (ub_flash_job_parent_class)->finalize (object);
}

static void
ub_flash_job_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  UbFlashJob *self = UB_FLASH_JOB (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ub_flash_job_class_init (UbFlashJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ub_flash_job_finalize;
  object_class->get_property = ub_flash_job_get_property;

  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, UB_FLASH_JOB_READY,
                                        UB_FLASH_JOB_CANCELLED, UB_FLASH_JOB_READY,
                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                        G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_STEP_STARTED] = g_signal_new ("step-started", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_STEP_FINISHED] = g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1,
                                           UB_TYPE_FLASH_PROGRESS | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_DEVICE_MESSAGE] = g_signal_new ("device-message", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_LOG] = g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
ub_flash_job_init (UbFlashJob *self)
{
  self->failed_step = G_MAXUINT;
}

UbFlashJob *
ub_flash_job_new (UbFlashPlan *plan,
                  const char  *address)
{
  UbFlashJob *self;

  g_return_val_if_fail (UB_IS_FLASH_PLAN (plan), NULL);
  self = g_object_new (UB_TYPE_FLASH_JOB, NULL);
  self->plan = g_object_ref (plan);
  self->address = g_strdup (address ? address : ub_flash_plan_get_serial (plan));
  self->progress = ub_progress_new ();
  g_signal_connect (self->progress, "event", G_CALLBACK (dispatch), self);
  return self;
}

UbFlashPlan *
ub_flash_job_get_plan (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), NULL);
  return self->plan;
}

const char *
ub_flash_job_get_address (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), NULL);
  return self->address;
}

void
ub_flash_job_set_lock_confirmed (UbFlashJob *self,
                                 gboolean    confirmed)
{
  g_return_if_fail (UB_IS_FLASH_JOB (self));
  self->lock_confirmed = confirmed;
}

void
ub_flash_job_set_first_step (UbFlashJob *self,
                             guint       index)
{
  g_return_if_fail (UB_IS_FLASH_JOB (self));
  self->first_step = index;
}

gboolean
ub_flash_job_restore_resume_point (UbFlashJob  *self,
                                   GError     **error)
{
  guint step;

  g_return_val_if_fail (UB_IS_FLASH_JOB (self), FALSE);

  if (!ub_resume_point_load (self->plan, &step, error))
    return FALSE;
  self->first_step = step;
  return TRUE;
}

/* main context: the next run (of this process or another) starts where this one stopped */
static void
remember_resume_point (UbFlashJob *self)
{
  g_autoptr(GError) error = NULL;

  if (self->state == UB_FLASH_JOB_SUCCEEDED)
    ub_resume_point_clear (ub_flash_plan_get_serial (self->plan));
  else if (self->resume_step < ub_flash_plan_get_n_steps (self->plan) &&
           !ub_resume_point_save (self->plan, self->resume_step, &error))
    {
      /* TRANSLATORS: %s: why a file could not be written */
      g_autofree char *text = g_strdup_printf (_("Warning: could not save where to resume: %s"),
                                               error->message);
      g_signal_emit (self, signals[SIGNAL_LOG], 0, text);
    }
}

void
ub_flash_job_set_timeouts (UbFlashJob *self,
                           guint       short_ms,
                           guint       long_ms,
                           guint       stall_ms)
{
  g_return_if_fail (UB_IS_FLASH_JOB (self));
  self->short_ms = short_ms;
  self->long_ms = long_ms;
  self->stall_ms = stall_ms;
}

static const char *const event_kinds[] = {
  [EVENT_STEP_STARTED] = "step-started",
  [EVENT_STEP_FINISHED] = "step-finished",
  [EVENT_PROGRESS] = "progress",
  [EVENT_DEVICE_MESSAGE] = "device-message",
  [EVENT_LOG] = "log",
  [EVENT_FINISHED] = "finished",
};

#define PROGRESS_VARIANT "(uuttttuu)"
#define FINISHED_VARIANT "(um@(sis)msmsuubb)"

/* owner's context: an event of the worker, through progress (UbProgress::event) */
static void
dispatch (UbProgress *progress,
          const char *kind,
          GVariant   *data,
          UbFlashJob *self)
{
  if (g_str_equal (kind, event_kinds[EVENT_STEP_STARTED]))
    g_signal_emit (self, signals[SIGNAL_STEP_STARTED], 0, g_variant_get_uint32 (data));
  else if (g_str_equal (kind, event_kinds[EVENT_STEP_FINISHED]))
    g_signal_emit (self, signals[SIGNAL_STEP_FINISHED], 0, g_variant_get_uint32 (data));
  else if (g_str_equal (kind, event_kinds[EVENT_PROGRESS]))
    {
      UbFlashProgress p = { 0 };

      g_variant_get (data, PROGRESS_VARIANT, &p.step, &p.n_steps, &p.step_done, &p.step_total,
                     &p.done, &p.total, &p.piece, &p.n_pieces);
      /* the one estimate, as it is now */
      p.bytes_per_second = ub_progress_get_rate (self->progress);
      p.seconds_left = ub_progress_get_seconds_left (self->progress);
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, &p);
    }
  else if (g_str_equal (kind, event_kinds[EVENT_DEVICE_MESSAGE]))
    g_signal_emit (self, signals[SIGNAL_DEVICE_MESSAGE], 0, g_variant_get_string (data, NULL));
  else if (g_str_equal (kind, event_kinds[EVENT_LOG]))
    g_signal_emit (self, signals[SIGNAL_LOG], 0, g_variant_get_string (data, NULL));
  else if (g_str_equal (kind, event_kinds[EVENT_FINISHED]))
    {
      g_autoptr(GVariant) error = NULL;
      guint state;

      g_thread_join (g_steal_pointer (&self->thread));
      g_clear_error (&self->error);
      g_clear_pointer (&self->next_step, g_free);
      g_clear_pointer (&self->phone_state, g_free);
      g_variant_get (data, FINISHED_VARIANT, &state, &error, &self->next_step, &self->phone_state,
                     &self->failed_step, &self->resume_step, &self->locked, &self->attention);
      self->state = state;
      if (error != NULL)
        self->error = ub_progress_error_from_variant (error);
      self->elapsed = (g_get_monotonic_time () - self->started) / 1e6;
      remember_resume_point (self);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
      /* the worker's reference, kept until its last event was delivered */
      g_object_unref (self);
    }
  else
    g_assert_not_reached ();
}

/* worker: send an event to the owner (a progress event replaces a progress
 * event not yet delivered); takes @event */
static void
post (UbFlashJob *self,
      Event      *event)
{
  const char *kind = event_kinds[event->kind];
  GVariant *data;

  switch (event->kind)
    {
    case EVENT_STEP_STARTED:
    case EVENT_STEP_FINISHED:
      data = g_variant_new_uint32 (event->index);
      break;
    case EVENT_PROGRESS:
      data = g_variant_new (PROGRESS_VARIANT, event->progress.step, event->progress.n_steps,
                            event->progress.step_done, event->progress.step_total,
                            event->progress.done, event->progress.total,
                            event->progress.piece, event->progress.n_pieces);
      break;
    case EVENT_DEVICE_MESSAGE:
    case EVENT_LOG:
      data = g_variant_new_string (event->text != NULL ? event->text : "");
      break;
    case EVENT_FINISHED:
      {
        GVariant *error = event->error != NULL ? ub_progress_error_to_variant (event->error) : NULL;

        data = g_variant_new (FINISHED_VARIANT, (guint) event->state,
                              error, event->next_step, event->phone_state,
                              event->failed_step, event->resume_step, event->locked,
                              event->attention);
        break;
      }
    default:
      g_assert_not_reached ();
    }
  if (event->kind == EVENT_PROGRESS)
    ub_progress_replace_event (self->progress, kind, data);
  else
    ub_progress_post_event (self->progress, kind, data);
  event_free (event);
}

/* Takes @text (may be NULL). */
static void
post_simple (UbFlashJob *self,
             EventKind   kind,
             guint       index,
             char       *text)
{
  Event *event = g_new0 (Event, 1);

  event->kind = kind;
  event->index = index;
  event->text = text;
  post (self, event);
}

/* A line for the log, printf-style (g_strdup_printf checks the format). */
#define post_log(self, ...) post_simple ((self), EVENT_LOG, 0, g_strdup_printf (__VA_ARGS__))

/* ---- the worker --------------------------------------------------------- */

static void
on_info (UbFastbootClient *client,
         const char       *text,
         UbFlashJob       *self)
{
  g_autofree char *clean = g_strchomp (g_strdup (text));

  post_simple (self, EVENT_DEVICE_MESSAGE, 0, g_strdup (clean));
  post_log (self, "(bootloader) %s", clean);
}

static void
send_progress (UbFlashJob *self,
               guint64     step_done,
               guint       piece,
               guint       n_pieces,
               gboolean    force)
{
  Event *event;
  gint64 now = g_get_monotonic_time ();
  guint64 done = self->current_base + step_done;
  guint64 total = self->total;

  if (self->step_progress != NULL)
    ub_progress_set_bytes_done (self->step_progress, step_done);
  if (!force && now - self->last_progress < PROGRESS_INTERVAL_US)
    return;
  self->last_progress = now;

  event = g_new0 (Event, 1);
  event->kind = EVENT_PROGRESS;
  event->progress.step = self->current;
  event->progress.n_steps = ub_flash_plan_get_n_steps (self->plan);
  event->progress.step_done = step_done;
  event->progress.step_total = ub_flash_plan_get_step_bytes (self->plan, self->current);
  event->progress.done = done;
  event->progress.total = total;
  event->progress.piece = piece;
  event->progress.n_pieces = n_pieces;
  /* the rate and the time left are read from progress when delivered */
  post (self, event);
}

static void
on_flash_progress (const UbFastbootProgress *p,
                   gpointer                  user_data)
{
  UbFlashJob *self = user_data;

  send_progress (self, p->done, p->piece, p->n_pieces, FALSE);
}

static UbFastbootClient *
connect_phone (UbFlashJob    *self,
               GCancellable  *cancellable,
               GError       **error)
{
  UbFastbootClient *client = ub_fastboot_client_open (self->address, cancellable, error);

  if (client != NULL)
    g_signal_connect (client, "info", G_CALLBACK (on_info), self);
  return client;
}

/*
 * The phone must be the one the plan was made for, and still unlocked. With
 * @locked non-NULL, a locked phone is accepted and *@locked set: a resume
 * after the connection broke during the lock.
 */
static gboolean
verify_phone (UbFlashJob   *self,
              GCancellable *cancellable,
              gboolean     *locked,
              GError      **error)
{
  const char *want_serial = ub_flash_plan_get_serial (self->plan);
  const char *want_product = ub_flash_plan_get_product (self->plan);
  g_autofree char *serial = ub_fastboot_client_getvar (self->client, "serialno", cancellable, NULL);
  g_autofree char *product = NULL;
  g_autofree char *unlocked = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  product = ub_fastboot_client_getvar (self->client, "product", cancellable, error);
  if (product == NULL)
    return FALSE;
  g_strstrip (product);
  if (serial != NULL)
    g_strstrip (serial);
  /* a phone that no longer tells its serial is not known to be the checked one */
  if ((want_serial != NULL && g_strcmp0 (serial, want_serial) != 0) ||
      g_strcmp0 (product, want_product) != 0)
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH,
                   /* TRANSLATORS: %s: a phone's codename (e.g. “alioth”), its serial number; then
                    * the checked phone's codename and serial number */
                   _("This is not the phone the checks were made for (it is %s, serial %s; "
                     "expected %s, serial %s)."),
                   product, serial ? serial : "?", want_product, want_serial ? want_serial : "?");
      return FALSE;
    }
  unlocked = ub_fastboot_client_getvar (self->client, "unlocked", cancellable, NULL);
  if (unlocked != NULL && g_str_equal (g_strstrip (unlocked), "no"))
    {
      if (locked != NULL)
        {
          *locked = TRUE;
          return TRUE;
        }
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH,
                           _("The phone's bootloader is locked now."));
      return FALSE;
    }
  return TRUE;
}

static void
set_step_timeouts (UbFlashJob *self,
                   guint       index)
{
  UbSparseImage *image = ub_flash_plan_get_image (self->plan, index);
  UbFlashStep *step = ub_flash_plan_get_step (self->plan, index);
  guint64 largest = 0;
  guint long_ms;

  for (guint p = 0; image != NULL && p < ub_sparse_image_get_n_pieces (image); p++)
    largest = MAX (largest, ub_sparse_image_get_piece_size (image, p));
  /* X_ab writes two copies */
  if (step->partition != NULL && g_str_has_suffix (step->partition, "_ab"))
    largest *= 2;
  long_ms = self->long_ms ? self->long_ms
                          : MAX (UB_FASTBOOT_TIMEOUT_LONG, largest * 1000 / SLOW_WRITE_BYTES_PER_S);
  ub_fastboot_client_set_timeouts (self->client,
                                   self->short_ms ? self->short_ms : UB_FASTBOOT_TIMEOUT_SHORT,
                                   long_ms,
                                   self->stall_ms ? self->stall_ms : UB_FASTBOOT_TIMEOUT_STALL);
}

/* After "reboot bootloader" in the middle of a plan: wait for the phone to come back. */
static gboolean
reconnect (UbFlashJob   *self,
           GCancellable *cancellable,
           GError      **error)
{
  gint64 deadline = g_get_monotonic_time () + RECONNECT_TIMEOUT_S * G_USEC_PER_SEC;

  g_clear_object (&self->client);
  post_log (self, _("Waiting for the phone to restart into fastboot mode…"));
  for (;;)
    {
      g_autoptr(GError) local = NULL;

      g_usleep (G_USEC_PER_SEC);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      self->client = connect_phone (self, cancellable, &local);
      if (self->client != NULL)
        return verify_phone (self, cancellable, NULL, error);
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "The phone did not come back in fastboot mode within %u "
                                    "second.",
                                    "The phone did not come back in fastboot mode within %u "
                                    "seconds.", RECONNECT_TIMEOUT_S),
                       RECONNECT_TIMEOUT_S);
          return FALSE;
        }
    }
}

/* The download of "boot": one piece. */
static void
on_boot_progress (guint64  done,
                  gpointer user_data)
{
  send_progress (user_data, done, 1, 1, FALSE);
}

/* Whether a step of the plan after @after passes @test. */
static gboolean
any_step_after (UbFlashJob *self,
                guint       after,
                gboolean  (*test) (const UbFlashStep *step))
{
  for (guint i = after + 1; i < ub_flash_plan_get_n_steps (self->plan); i++)
    if (test (ub_flash_plan_get_step (self->plan, i)))
      return TRUE;
  return FALSE;
}

/* A guard: preflight refuses such scripts (check_steps). */
static gboolean
refuse_after_leaving (GError **error)
{
  g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                       _("The script sends commands after the phone left fastboot mode."));
  return FALSE;
}

static gboolean
run_step (UbFlashJob   *self,
          guint         index,
          GCancellable *cancellable,
          GError      **error)
{
  UbFlashStep *step = ub_flash_plan_get_step (self->plan, index);
  g_autofree char *value = NULL;

  switch (step->kind)
    {
    case UB_STEP_FLASH:
      {
        UbSparseImage *image = ub_flash_plan_get_image (self->plan, index);
        g_return_val_if_fail (image != NULL, FALSE);
        return ub_fastboot_client_flash_image (self->client, step->partition, image,
                                               on_flash_progress, self, self->stop, cancellable,
                                               error);
      }
    case UB_STEP_ERASE:
      return ub_fastboot_client_erase (self->client, step->partition, cancellable, error);
    case UB_STEP_SET_ACTIVE:
      return ub_fastboot_client_set_active (self->client, step->arg, cancellable, error);
    case UB_STEP_OEM:
      if (!ub_fastboot_client_oem (self->client, step->arg, &value, cancellable, error))
        return FALSE;
      if (value != NULL && value[0] != '\0')
        post_log (self, "%s", value);
      return TRUE;
    case UB_STEP_FLASHING:
      return ub_fastboot_client_flashing (self->client, step->arg, cancellable, error);
    case UB_STEP_REBOOT:
      if (!ub_fastboot_client_reboot (self->client, step->arg, cancellable, error))
        return FALSE;
      if (any_step_after (self, index, ub_flash_step_uses_device))
        {
          if (step->arg == NULL || g_str_equal (step->arg, "recovery"))
            return refuse_after_leaving (error);
          return reconnect (self, cancellable, error);
        }
      return TRUE;
    case UB_STEP_BOOT:
      {
        UbSparseImage *image = ub_flash_plan_get_image (self->plan, index);
        g_autoptr(GInputStream) stream = NULL;

        /* preflight made sure it is one raw piece */
        g_return_val_if_fail (image != NULL && ub_sparse_image_get_n_pieces (image) == 1, FALSE);
        if ((stream = ub_sparse_image_open_piece (image, 0, error)) == NULL ||
            !ub_fastboot_client_download (self->client, stream,
                                          ub_sparse_image_get_piece_size (image, 0),
                                          on_boot_progress, self, cancellable, error))
          return FALSE;
        if (!ub_fastboot_client_boot (self->client, cancellable, error))
          return FALSE;
        if (any_step_after (self, index, ub_flash_step_uses_device))
          return refuse_after_leaving (error);
        return TRUE;
      }
    case UB_STEP_ECHO:
      post_log (self, "%s", step->arg ? step->arg : "");
      return TRUE;
    case UB_STEP_SLEEP:
      {
        gint64 end = g_get_monotonic_time () + (gint64) (g_ascii_strtod (step->arg, NULL) * G_USEC_PER_SEC);
        while (g_get_monotonic_time () < end)
          {
            if (g_cancellable_set_error_if_cancelled (cancellable, error))
              return FALSE;
            g_usleep (MIN (100000, MAX (0, end - g_get_monotonic_time ())));
          }
        return TRUE;
      }
    case UB_STEP_GETVAR:
      value = ub_fastboot_client_getvar (self->client, step->var, cancellable, error);
      if (value != NULL)
        post_log (self, "%s: %s", step->var, value);
      return value != NULL;
    default:
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                   /* TRANSLATORS: %s: a step of the ROM's script */
                   _("Unbrick cannot run the step “%s”."), ub_step_kind_to_string (step->kind));
      return FALSE;
    }
}

/* Errors after which nothing more can be sent to the phone. */
static gboolean
is_connection_error (const GError *error)
{
  return error->domain == UB_FASTBOOT_ERROR &&
         (error->code == UB_FASTBOOT_ERROR_NO_DEVICE || error->code == UB_FASTBOOT_ERROR_TIMEOUT ||
          error->code == UB_FASTBOOT_ERROR_IO || error->code == UB_FASTBOOT_ERROR_PROTOCOL ||
          error->code == UB_FASTBOOT_ERROR_NOT_FOUND || error->code == UB_FASTBOOT_ERROR_BUSY ||
          error->code == UB_FASTBOOT_ERROR_PERMISSION);
}

/* oem lock / flashing lock: a Xiaomi phone restarts at once after its OKAY */
static gboolean
restarts_phone (const UbFlashStep *step)
{
  return ub_flash_step_is_lock (step) && g_strcmp0 (step->arg, "lock") == 0;
}

/*
 * The lock at @index answered OKAY: the phone is erasing itself to lock, and
 * nothing after it can run, so the rest of the plan is skipped (preflight
 * allows only restarts and harmless steps there). When the script restarts
 * the phone next, that restart is still sent, for phones that stay in
 * fastboot mode after a lock; a connection error there only means that the
 * phone has already gone, as a Xiaomi phone does. FALSE when the phone is
 * still in fastboot mode and refused the restart.
 */
static gboolean
finish_after_lock (UbFlashJob *self,
                   guint       index)
{
  guint n = ub_flash_plan_get_n_steps (self->plan);
  gboolean reboot = FALSE;
  g_autoptr(GError) local = NULL;

  for (guint i = index + 1; i < n; i++)
    {
      UbFlashStep *step = ub_flash_plan_get_step (self->plan, i);
      g_autofree char *description = NULL;

      if (!ub_flash_step_uses_device (step))
        continue;
      description = ub_flash_step_describe (step);
      /* TRANSLATORS: %s: a step of the ROM's script, e.g. “reboot” (untranslated) */
      post_log (self, _("Skipped after the lock: %s"), description);
      reboot |= step->kind == UB_STEP_REBOOT && step->arg == NULL;
    }
  if (!reboot)
    return TRUE;
  ub_fastboot_client_set_timeouts (self->client, LOCK_REBOOT_TIMEOUT_MS, LOCK_REBOOT_TIMEOUT_MS,
                                   LOCK_REBOOT_TIMEOUT_MS);
  if (ub_fastboot_client_reboot (self->client, NULL, self->abort, &local))
    post_log (self, _("The phone was still in fastboot mode after the lock; it was restarted."));
  else if (is_connection_error (local))
    {
      /* TRANSLATORS: %s: the technical reason, e.g. “The device closed the connection.” */
      post_log (self, _("The phone restarted by itself after the lock (%s)."), local->message);
    }
  else
    {
      /* TRANSLATORS: %s: the phone's own message, in English */
      post_log (self, _("The phone refused to restart after the lock (%s)."), local->message);
      return FALSE;
    }
  return TRUE;
}

/* The step at @index is a lock and nothing after it changes the phone. */
static gboolean
only_lock_left (UbFlashJob *self,
                guint       index)
{
  return index < ub_flash_plan_get_n_steps (self->plan) &&
         ub_flash_step_is_lock (ub_flash_plan_get_step (self->plan, index)) &&
         !any_step_after (self, index, ub_flash_step_is_destructive);
}

/*
 * A resume after the connection broke during a lock starts at the lock, or
 * at the flash before it that is done again: the index of that lock, else
 * G_MAXUINT. Only the lock can have locked the phone since.
 */
static guint
resumes_at_lock (UbFlashJob *self,
                 guint       first)
{
  guint n = ub_flash_plan_get_n_steps (self->plan);

  if (first == 0 || first >= n)
    return G_MAXUINT;
  if (ub_flash_step_is_lock (ub_flash_plan_get_step (self->plan, first)))
    return first;
  if (ub_flash_plan_get_step (self->plan, first)->kind == UB_STEP_FLASH && first + 1 < n &&
      ub_flash_step_is_lock (ub_flash_plan_get_step (self->plan, first + 1)))
    return first + 1;
  return G_MAXUINT;
}

static gpointer
worker (gpointer user_data)
{
  UbFlashJob *self = user_data;
  guint n = ub_flash_plan_get_n_steps (self->plan);
  g_autoptr(GError) error = NULL;
  Event *finished = g_new0 (Event, 1);
  guint i = self->first_step;
  guint last_flash = G_MAXUINT;
  guint resumed_lock = resumes_at_lock (self, self->first_step);
  gboolean locked_already = FALSE;
  gboolean stopped_before_lock = FALSE;
  gboolean restarting = TRUE;
  const UbFlashStep *booted = NULL;

  self->client = connect_phone (self, self->abort, &error);
  if (self->client != NULL &&
      !verify_phone (self, self->abort, resumed_lock != G_MAXUINT ? &locked_already : NULL,
                     &error))
    g_clear_object (&self->client);
  if (self->client != NULL && locked_already)
    {
      /* the lock went through before its answer was lost: only the restart is left */
      post_log (self, _("The phone's bootloader is locked: the lock went through before the "
                        "connection broke."));
      restarting = finish_after_lock (self, resumed_lock);
      finished->locked = TRUE;
      i = n;
    }
  if (self->client != NULL)
    {
      for (; i < n; i++)
        {
          UbFlashStep *step = ub_flash_plan_get_step (self->plan, i);
          g_autofree char *title = ub_flash_step_dup_title (step);
          g_autoptr(GError) local = NULL;
          gint64 t0 = g_get_monotonic_time ();
          /* a refused lock must not end in success */
          gboolean fatal = step->fatal || ub_flash_step_is_lock (step);

          if (g_cancellable_set_error_if_cancelled (self->stop, &error))
            break;
          self->current = i;
          self->current_base = ub_flash_plan_get_bytes_before (self->plan, i);
          self->step_progress = ub_progress_get_child (self->progress);
          ub_progress_set_bytes_total (self->step_progress, ub_flash_plan_get_step_bytes (self->plan, i));
          post_simple (self, EVENT_STEP_STARTED, i, NULL);
          if (ub_flash_plan_get_step_bytes (self->plan, i) > 0)
            {
              g_autofree char *size = g_format_size (ub_flash_plan_get_step_bytes (self->plan, i));
              post_log (self, "%s (%s)…", title, size);
            }
          else if (step->kind != UB_STEP_ECHO)
            post_log (self, "%s…", title);
          set_step_timeouts (self, i);
          send_progress (self, 0, 0, 0, TRUE);

          if (!run_step (self, i, self->abort, &local))
            {
              gboolean soft_stop = g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
                                   !g_cancellable_is_cancelled (self->abort);

              if (!soft_stop && !fatal && local->domain == UB_FASTBOOT_ERROR &&
                  local->code == UB_FASTBOOT_ERROR_REMOTE)
                {
                  if (ub_flash_step_is_destructive (step) &&
                      any_step_after (self, i, ub_flash_step_is_lock))
                    {
                      /* never lock a phone that may not start: a locked Xiaomi phone cannot
                       * be flashed again over fastboot */
                      /* TRANSLATORS: %s: the phone's own message, in English */
                      post_log (self, _("The phone refused this step (%s). The ROM's script does not "
                                        "check it, but it locks the bootloader later, so Unbrick "
                                        "stops here and leaves the bootloader unlocked."),
                                local->message);
                      stopped_before_lock = TRUE;
                      error = g_steal_pointer (&local);
                      break;
                    }
                  /* the script does not check this step: it goes on */
                  /* TRANSLATORS: %s: the phone's own message, in English */
                  post_log (self, _("The phone refused this step (%s); the ROM's script goes on "
                                    "without it."), local->message);
                  ub_progress_step_done (self->progress);
                  post_simple (self, EVENT_STEP_FINISHED, i, NULL);
                  continue;
                }
              if (error == NULL)
                error = g_steal_pointer (&local);
              break;
            }
          if (ub_flash_step_is_destructive (step))
            self->destructive_done++;
          if (step->kind == UB_STEP_FLASH)
            last_flash = i;
          if (ub_flash_step_uses_device (step))
            booted = step->kind == UB_STEP_BOOT ? step : NULL;
          send_progress (self, ub_flash_plan_get_step_bytes (self->plan, i), 0, 0, TRUE);
          ub_progress_step_done (self->progress);
          /* TRANSLATORS: a step succeeded; %.1f s: how many seconds it took */
          post_log (self, _("OK (%.1f s)"), (g_get_monotonic_time () - t0) / 1e6);
          post_simple (self, EVENT_STEP_FINISHED, i, NULL);
          if (restarts_phone (step))
            {
              restarting = finish_after_lock (self, i);
              finished->locked = TRUE;
              i = n;
              break;
            }
        }
    }

  self->step_progress = NULL;
  if (error == NULL)
    ub_progress_finish (self->progress);
  finished->kind = EVENT_FINISHED;
  finished->failed_step = G_MAXUINT;
  finished->resume_step = MIN (i, n);
  if (error == NULL)
    {
      finished->state = UB_FLASH_JOB_SUCCEEDED;
      /* the phone does not simply restart by itself: the person has to read this */
      finished->attention = finished->locked ? !restarting : booted != NULL;
      if (finished->locked && !restarting)
        finished->phone_state = g_strdup (_("The bootloader is locked, but the phone did not "
                                            "restart. Hold the Power button until it restarts; it "
                                            "then erases itself, and the first start can take up "
                                            "to 10 minutes."));
      else if (finished->locked)
        finished->phone_state = g_strdup (_("The phone is restarting to finish locking the "
                                             "bootloader. It erases itself, and the first start "
                                             "can take up to 10 minutes."));
      else if (booted != NULL)
        {
          g_autofree char *base = g_path_get_basename (booted->file);
          /* TRANSLATORS: %s: an image file name, e.g. recovery.img */
          finished->phone_state = g_strdup_printf (_("The phone is starting from %s, which the "
                                                     "ROM's script sent to it (it is not "
                                                     "installed). Leave the phone connected to "
                                                     "power and follow what it shows on its "
                                                     "screen."), base);
        }
      else
        finished->phone_state = g_strdup (_("Your phone is restarting. The first start can take up to "
                                             "10 minutes; leave it connected to power."));
      post_log (self, _("Done."));
    }
  else
    {
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      gboolean wrote = self->destructive_done > 0 || self->first_step > 0;
      gboolean at_lock = only_lock_left (self, i);

      finished->state = cancelled ? UB_FLASH_JOB_CANCELLED : UB_FLASH_JOB_FAILED;
      if (self->client != NULL || i > self->first_step)
        finished->failed_step = MIN (i, n - 1);
      /* a write the phone reported late, or one it may not have finished when the
       * link went down, is done again */
      if (g_error_matches (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_DEFERRED) &&
          last_flash != G_MAXUINT)
        finished->resume_step = last_flash;
      else if (is_connection_error (error) && i > 0 && i < n &&
               ub_flash_plan_get_step (self->plan, i - 1)->kind == UB_STEP_FLASH)
        finished->resume_step = i - 1;
      if (!wrote)
        finished->phone_state = g_strdup (_("Nothing was written to the phone; it is as it was."));
      else if (stopped_before_lock)
        finished->phone_state = g_strdup (_("Unbrick stopped before locking the bootloader, so it "
                                            "is still unlocked. The phone is only partly flashed: "
                                            "it will not start Android yet, but it stays in "
                                            "fastboot mode and can be flashed again."));
      else if (at_lock && !cancelled && is_connection_error (error) && self->client != NULL)
        {
          /* the lock was sent and its answer lost: it may have gone through (a resume
           * finds out, see resumes_at_lock()) */
          finished->phone_state = g_strdup (_("Everything was written, but the connection broke "
                                              "while the bootloader was locking, so Unbrick cannot "
                                              "tell whether it locked."));
          finished->next_step = g_strdup (_("If the phone restarts and erases itself, the lock went "
                                            "through: leave it alone until it has started. If it "
                                            "stays in fastboot mode, connect it again and resume."));
        }
      else if (at_lock && g_error_matches (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE))
        {
          /* TRANSLATORS: %s: the phone's message, e.g. “Locking the bootloader: not allowed” */
          finished->phone_state = g_strdup_printf (_("Everything was written, but the bootloader did "
                                                     "not lock (%s). The phone can start as it is, "
                                                     "with the bootloader unlocked."),
                                                   error->message);
          finished->next_step = g_strdup (_("Resume to try the lock again."));
        }
      else if (at_lock && cancelled && !g_cancellable_is_cancelled (self->abort))
        {
          finished->phone_state = g_strdup (_("Stopped before the lock: everything was written "
                                              "and the bootloader is still unlocked. The phone can "
                                              "start as it is."));
          finished->next_step = g_strdup (_("Resume to lock the bootloader."));
        }
      else if (cancelled && !g_cancellable_is_cancelled (self->abort))
        finished->phone_state = g_strdup (_("Stopped between two steps. The phone is only partly "
                                            "flashed: it will not start Android yet, but it stays in "
                                            "fastboot mode. Resume to finish."));
      else
        finished->phone_state = g_strdup (_("The phone is only partly flashed: it will not start "
                                            "Android yet, but it stays in fastboot mode and can be "
                                            "flashed again. Resume to finish."));
      if (finished->next_step == NULL)
        {
          if (cancelled && g_cancellable_is_cancelled (self->abort))
            finished->next_step = g_strdup (_("Unplug the phone and connect it again before you "
                                              "resume."));
          else
            finished->next_step = ub_advice_for_error (error, self->address, UB_ADVICE_RESUME);
        }
      post_log (self, "%s", error->message);
      finished->error = g_steal_pointer (&error);
    }
  g_clear_object (&self->client);
  /* its reference on self goes when this is delivered */
  post (self, finished);
  return NULL;
}

/* A step per step of the plan, weighed by its bytes; the steps before @from are done. */
static void
reset_progress (UbFlashJob *self,
                guint       from)
{
  guint n = ub_flash_plan_get_n_steps (self->plan);

  ub_progress_reset (self->progress);
  ub_progress_set_bytes_total (self->progress, self->total);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = ub_flash_step_dup_title (ub_flash_plan_get_step (self->plan, i));
      guint64 bytes = ub_flash_plan_get_step_bytes (self->plan, i);

      /* weights are guint: KiB are fine enough; a step of no bytes weighs nothing
       * unless no step has any */
      ub_progress_add_step (self->progress,
                            self->total > 0 ? (guint) MIN ((bytes + 1023) / 1024, G_MAXUINT) : 1,
                            title);
    }
  for (guint i = 0; i < from && i < n; i++)
    ub_progress_step_done (self->progress);
  ub_progress_set_bytes_done (self->progress, ub_flash_plan_get_bytes_before (self->plan, MIN (from, n)));
}

static gboolean
launch (UbFlashJob *self,
        guint       from,
        GError    **error)
{
  g_clear_object (&self->stop);
  g_clear_object (&self->abort);
  self->stop = g_cancellable_new ();
  self->abort = g_cancellable_new ();
  self->first_step = from;
  self->total = ub_flash_plan_get_total_bytes (self->plan);
  self->destructive_done = 0;
  self->last_progress = 0;
  reset_progress (self, from);
  g_clear_error (&self->error);
  g_clear_pointer (&self->next_step, g_free);
  g_clear_pointer (&self->phone_state, g_free);
  self->failed_step = G_MAXUINT;
  self->locked = FALSE;
  self->attention = FALSE;
  self->state = UB_FLASH_JOB_RUNNING;
  self->started = g_get_monotonic_time ();
  self->thread = g_thread_try_new ("unbrick-flash", worker, g_object_ref (self), error);
  if (self->thread == NULL)
    {
      g_object_unref (self);
      self->state = UB_FLASH_JOB_FAILED;
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
  return TRUE;
}

gboolean
ub_flash_job_start (UbFlashJob *self,
                    GError    **error)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), FALSE);

  if (self->state != UB_FLASH_JOB_READY)
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED, _("This job has already run."));
      return FALSE;
    }
  if (!ub_flash_plan_get_checked (self->plan))
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT,
                           _("The checks before flashing have not all passed."));
      return FALSE;
    }
  if (ub_flash_plan_locks (self->plan) && !self->lock_confirmed)
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT,
                           _("This plan locks the bootloader and needs an extra confirmation."));
      return FALSE;
    }
  if (self->first_step >= ub_flash_plan_get_n_steps (self->plan))
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED, _("There is nothing left to do."));
      return FALSE;
    }
  return launch (self, self->first_step, error);
}

gboolean
ub_flash_job_resume (UbFlashJob *self,
                     GError    **error)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), FALSE);

  if (self->state != UB_FLASH_JOB_FAILED && self->state != UB_FLASH_JOB_CANCELLED)
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                           _("Only a job that failed or was stopped can be resumed."));
      return FALSE;
    }
  return launch (self, self->resume_step, error);
}

void
ub_flash_job_cancel (UbFlashJob *self)
{
  g_return_if_fail (UB_IS_FLASH_JOB (self));

  if (self->state == UB_FLASH_JOB_RUNNING)
    {
      g_cancellable_cancel (self->stop);
      self->state = UB_FLASH_JOB_STOPPING;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
  else if (self->state == UB_FLASH_JOB_STOPPING)
    g_cancellable_cancel (self->abort);
}

UbFlashJobState
ub_flash_job_get_state (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), UB_FLASH_JOB_READY);
  return self->state;
}

const GError *
ub_flash_job_get_error (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), NULL);
  return self->error;
}

const char *
ub_flash_job_get_next_step (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), NULL);
  return self->next_step;
}

const char *
ub_flash_job_get_phone_state (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), NULL);
  return self->phone_state;
}

guint
ub_flash_job_get_failed_step (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), G_MAXUINT);
  return self->failed_step;
}

guint
ub_flash_job_get_resume_step (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), 0);
  return self->resume_step;
}

gboolean
ub_flash_job_get_locked (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), FALSE);
  return self->locked;
}

gboolean
ub_flash_job_get_needs_attention (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), FALSE);
  return self->attention;
}

UbProgress *
ub_flash_job_get_progress (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), NULL);
  return self->progress;
}

double
ub_flash_job_get_elapsed (UbFlashJob *self)
{
  g_return_val_if_fail (UB_IS_FLASH_JOB (self), 0);
  return self->elapsed;
}
