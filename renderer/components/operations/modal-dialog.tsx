/**
 * A modal `<dialog>` for the operations: opened with showModal() when mounted (the rest of the
 * page turns inert), Tab and Shift+Tab kept inside it, Escape cancels, and focus goes back to
 * what had it when the dialog closes. Render it while it should be open; unmount it to close.
 */
import { type KeyboardEvent, type ReactNode, useEffect, useLayoutEffect, useRef } from 'react';
import './operations.css';

const FOCUSABLE =
  'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])';

/** Props of {@link ModalDialog}. */
export interface ModalDialogProps {
  /** The id of the element that names the dialog (its heading). */
  readonly labelledBy: string;
  /** The id of the element that describes it, if any. */
  readonly describedBy?: string;
  /** Escape, and the caller's Cancel button, end here. */
  readonly onCancel: () => void;
  readonly className?: string;
  /** A data-testid-like hook for tests and styles: `data-dialog`. */
  readonly name: string;
  readonly children: ReactNode;
}

/** The modal dialog frame every operations dialog uses. */
export function ModalDialog({
  labelledBy,
  describedBy,
  onCancel,
  className,
  name,
  children,
}: ModalDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const onCancelRef = useRef(onCancel);
  onCancelRef.current = onCancel;

  useLayoutEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // The first field (or button) takes focus, unless a child asked for it with autoFocus.
    if (!dialog.contains(document.activeElement)) dialog.querySelector<HTMLElement>(FOCUSABLE)?.focus();
    return () => {
      if (dialog.open) dialog.close();
      // Back where the operator was (the row or the button that opened it), if it is still there.
      if (opener?.isConnected) opener.focus({ preventScroll: true });
    };
  }, []);

  // The native dialog cancels on Escape; the caller decides what closing means.
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const cancel = (event: Event) => {
      event.preventDefault();
      onCancelRef.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => dialog.removeEventListener('cancel', cancel);
  }, []);

  // showModal makes the page inert, but Tab could still leave for the browser's own UI: wrap it.
  const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== 'Tab') return;
    const dialog = dialogRef.current;
    if (!dialog) return;
    const focusable = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (element) => element.offsetParent !== null || element === document.activeElement,
    );
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={dialogRef}
      className={`operation-dialog ${className ?? ''}`.trim()}
      data-dialog={name}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onKeyDown={onKeyDown}
    >
      {children}
    </dialog>
  );
}
