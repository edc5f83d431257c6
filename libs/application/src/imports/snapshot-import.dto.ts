import { ApiProperty } from '@nestjs/swagger';

export class SnapshotImportedDto {
  @ApiProperty() scanId!: string;
  @ApiProperty() snapshotId!: string;
  @ApiProperty({ description: 'Hosts stored from the imported scan (a host reported twice counts once)' })
  hosts!: number;
  @ApiProperty({ enum: ['evaluating'], description: 'Follow it with GET /scans/{scanId}' })
  status!: 'evaluating';
}
