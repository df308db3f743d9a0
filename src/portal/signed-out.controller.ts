import { Controller, Get, Render, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ViewContextInterceptor } from './view-context.interceptor';
import { Public } from '../auth/auth.decorators';

@ApiExcludeController()
@Public()
@UseInterceptors(ViewContextInterceptor)
@Controller('portal/signed-out')
export class SignedOutController {
  @Get()
  @Render('portal/signed-out.hbs')
  signedOut() {
    return { title: 'Signed out', minimal: true };
  }
}
