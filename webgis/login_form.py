"""The sign-in form, shared by the sign-in page (`webgis.auth`) and the page shown when
sign-ins are throttled (`webgis.limits`), so neither imports the other."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    """Username and password, CSRF-protected."""

    username = StringField("username", validators=[
        DataRequired(), Length(max=80), Regexp(r"^[^\x00-\x1f]*$", message="control characters")])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])
