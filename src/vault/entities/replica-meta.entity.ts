import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row: when this replica's state began, and whether it has caught up (docs/model.md, "Lost state"). */
@Entity({ name: 'replica_meta' })
export class ReplicaMetaEntity {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'incarnation_id', type: 'uuid' })
  incarnationId: string;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ name: 'caught_up', type: 'boolean' })
  caughtUp: boolean;
}
