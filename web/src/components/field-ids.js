// Ids that tie a form control to its hint and error text (aria-describedby), so a
// screen reader reads them with the field. Shared by every field component.
import { computed, useId } from 'vue';

/** props: the component's props (reads props.hint and props.error). */
export function useFieldIds(props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = computed(
    () => [props.error ? errorId : '', props.hint ? hintId : ''].filter(Boolean).join(' ') || undefined,
  );
  return { id, hintId, errorId, describedBy };
}
