/** A column of a data table; `number` right-aligns it (figures line up). */
export interface Column {
  name: string;
  number?: boolean;
}

/** The header row of a data table. Its names are also each cell's `data-label`, which the phone layout (`table-cards`) shows. */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column.name} scope="col" class={column.number ? 'number' : undefined}>
            {column.name}
          </th>
        ))}
      </tr>
    </thead>
  );
}
