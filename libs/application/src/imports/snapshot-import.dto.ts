import { ApiProperty } from '@nestjs/swagger';

export class SnapshotImportedDto {
  @ApiProperty() scanId!: string;
  @ApiProperty() snapshotId!: string;
  @ApiProperty({ description: 'Hosts in the imported scan' }) hosts!: number;
  @ApiProperty({ enum: ['evaluating'], description: 'Follow it with GET /scans/{scanId}' })
  status!: 'evaluating';
}
